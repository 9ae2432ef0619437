"""Command-line tools: ``flask --app app content load`` and friends."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app

from . import loader


def content_dir() -> Path:
    return Path(current_app.config["CONTENT_DIR"]).resolve()


def register_cli(app: Flask) -> None:
    @app.cli.group()
    def content() -> None:
        """Manage the site's content."""

    @content.command("load")
    @click.argument("path", required=False, type=click.Path(file_okay=False, path_type=Path))
    def load(path: Path | None) -> None:
        """Load content/<kind>/*.md into the database (idempotent)."""
        root = (path or content_dir()).resolve()
        if not root.is_dir():
            raise click.ClickException(f"no such content folder: {root}")
        click.echo(f"Loading content from {root} ...")
        report = loader.load_directory(root)
        for line in report.errors:
            click.echo(f"FAILED {line}", err=True)
        click.echo(report.summary())
        if report.failed:
            raise SystemExit(1)
