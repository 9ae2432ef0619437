"""Preparing an embedded demo site: migrate the database and load the bundled content."""

from __future__ import annotations

import time
from pathlib import Path

import click
from flask import Flask
from flask_migrate import upgrade

from portal import search
from portal.disclosure import guide
from portal.documents import loader
from portal.interaction.examples import load_examples
from portal.orgs import profile
from portal.search import analysis


def prepare_demo(app: Flask) -> None:
    """Bring the database schema up to date and load ``content/``, saying what happens."""
    started = time.perf_counter()
    with app.app_context():
        url = app.config["SQLALCHEMY_DATABASE_URI"]
        click.echo(f"Database: {url.split('@')[-1]}")
        upgrade(directory=app.extensions["migrate"].directory)
        root = Path(app.config["CONTENT_DIR"]).resolve()
        if root.is_dir():
            loaded = loader.load_directory(root)
            for line in loaded.errors:
                click.echo(f"Content FAILED {line}", err=True)
            click.echo(f"Content from {root}: {loaded.summary()}")
            added = load_examples(root / "messages.yaml")
            if added:
                click.echo(f"Added {added} example public messages (示例).")
            if guide.load_example(root / "disclosure.yaml"):
                click.echo("Filled in the home organisation's 政府信息公开指南 (示例).")
            if profile.load_example(root / "about.yaml"):
                click.echo("Filled in the home organisation's 机构概况 (示例).")
        else:
            click.echo(f"No content folder at {root}; starting with an empty site.")
        if guide.ensure_sections():
            click.echo("Gave organisations their 政府信息公开 catalogue and guide.")
        analysis.warm_up()
        index = search.get_backend()
        if not index.exists():
            where = getattr(index, "root", None) or "the Solr collection"
            click.echo(f"Building the search index in {where} ...")
            click.echo(f"Indexed {search.rebuild()} documents.")
        else:
            checked = search.verify()
            if not checked.ok:
                click.echo("Search index out of step with the database; repairing.")
                index.fix(checked)
    click.echo(f"Ready in {time.perf_counter() - started:.1f} s.")
