"""Command-line tools: ``flask --app app content load`` and friends."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app

from portal import search as portal_search
from portal.auth import accounts
from portal.auth.actor import SYSTEM
from portal.auth.models import ROLES
from portal.disclosure import guide
from portal.documents import filing, links, loader, tally, wordcheck_recheck
from portal.errors import ValidationError
from portal.extensions import db
from portal.interaction import info_requests
from portal.interaction.examples import load_examples
from portal.ops import cli as ops_cli
from portal.orgs import cli as orgs_cli
from portal.orgs import directory, profile
from portal.outbox import cli as outbox_cli


def content_dir() -> Path:
    return Path(current_app.config["CONTENT_DIR"]).resolve()


def _org_id(org_code: str | None) -> int | None:
    """The id of the organisation ``--org`` names (None when not given)."""
    if not org_code:
        return None
    org = directory.by_code(org_code)
    if org is None:
        raise click.ClickException(f"no organisation with the code {org_code}")
    return org.id


def register_cli(app: Flask) -> None:
    ops_cli.register(app)
    orgs_cli.register(app)
    outbox_cli.register(app)

    @app.cli.group()
    def check() -> None:
        """Check the published site as an inspection would."""

    @check.command("links")
    @click.option("--org", "org_code", help="Only this organisation (its code).")
    @click.option("--external", is_flag=True, help="Also request external links (HEAD, 5 s).")
    def check_links(org_code: str | None, external: bool) -> None:
        """Dead links and missing attachments of published documents; exit status 1 when
        something is broken (the findings are shown on the dashboard)."""
        report = links.check(_org_id(org_code), external=external)
        for problem in report.problems:
            where = directory.get(problem.organisation_id).code
            click.echo(
                f"BROKEN {where} document {problem.document_id}: {problem.url} ({problem.problem})"
            )
        skipped = (
            f"; {report.external_skipped} external not checked" if report.external_skipped else ""
        )
        click.echo(
            f"Checked {report.links} links and attachments: {len(report.problems)} broken{skipped}."
        )
        if report.problems:
            raise SystemExit(1)

    @check.command("words")
    @click.option("--org", "org_code", help="Only this organisation (its code).")
    def check_words(org_code: str | None) -> None:
        """错敏词 in published documents, against the current list (the dashboard's warnings
        rebuilt); exit status 1 when a word no reviewer acknowledged is found."""
        report = wordcheck_recheck.recheck(SYSTEM, _org_id(org_code))
        for finding in report.unacknowledged:
            where = directory.get(finding.organisation_id).code
            click.echo(
                f"WORD {where} document {finding.document_id}: {finding.word} "
                f"in 《{finding.title}》 (not acknowledged)"
            )
        click.echo(
            f"Checked {report.documents} published documents: {len(report.findings)} "
            f"listed words found, {len(report.unacknowledged)} not acknowledged."
        )
        if report.unacknowledged:
            raise SystemExit(1)

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
        added = load_examples(root / "messages.yaml")
        if added:
            click.echo(f"Added {added} example public messages (示例).")
        if guide.load_example(root / "disclosure.yaml"):
            click.echo("Filled in the home organisation's 政府信息公开指南 (示例).")
        if profile.load_example(root / "about.yaml"):
            click.echo("Filled in the home organisation's 机构概况 (示例).")
        if guide.ensure_sections():
            click.echo("Gave organisations their 政府信息公开 catalogue and guide.")
        if report.failed:
            raise SystemExit(1)

    @content.command("retally")
    def retally() -> None:
        """Count every organisation's published documents again (after a bulk import that
        bypassed the publishing service)."""
        rows = tally.rebuild()
        columns = filing.rebuild()
        db.session.commit()
        click.echo(f"Counted {rows} (organisation, kind) pairs and {columns} 公开目录 columns.")

    @app.cli.group("deadlines")
    def deadlines_group() -> None:
        """Statutory deadlines of information requests."""

    @deadlines_group.command("refresh")
    def refresh_deadlines() -> None:
        """Recompute open requests' due dates (run after entering a holiday arrangement)."""
        changed = info_requests.refresh_deadlines(actor=SYSTEM)
        click.echo(f"{changed} open request(s) got a new due date.")

    @app.cli.group("search")
    def search_group() -> None:
        """Manage the full-text search index."""

    @search_group.command("rebuild")
    def rebuild() -> None:
        """Rebuild the index from the database; searches keep working meanwhile."""
        with click.progressbar(length=1, label="Indexing", show_pos=True) as bar:

            def progress(done: int, total: int) -> None:
                bar.length = max(total, 1)
                bar.update(done - bar.pos)

            count = portal_search.rebuild(progress)
        click.echo(f"Indexed {count} published documents.")

    @search_group.command("verify")
    @click.option("--fix", is_flag=True, help="Re-index missing and stale documents, drop extras.")
    def verify(fix: bool) -> None:
        """Compare the index with the database; exit 1 on drift (unless fixed)."""
        report = portal_search.verify()
        drift = (("missing", report.missing), ("stale", report.stale), ("extra", report.extra))
        for label, ids in drift:
            click.echo(f"{label}: {len(ids)}" + (f"  ids {ids[:20]}" if ids else ""))
        if report.ok:
            click.echo("Index matches the database.")
            return
        if not fix:
            raise SystemExit(1)
        portal_search.get_backend().fix(report)
        after = portal_search.verify()
        click.echo("Fixed." if after.ok else "Still drifting after fix.")
        if not after.ok:
            raise SystemExit(1)

    @search_group.command("sync")
    def sync() -> None:
        """Apply database changes the index has not seen yet."""
        click.echo(f"Applied {portal_search.sync()} document changes.")

    @search_group.command("solr-setup")
    def solr_setup() -> None:
        """Upload solr/configset and create the collection behind PORTAL_SOLR_URL (an alias
        to a new collection; when it exists: upload again and reload it)."""
        from portal.search import solr_admin
        from portal.search.solr import SolrBackend

        backend = app.extensions["portal.search"]
        if not isinstance(backend, SolrBackend):
            raise click.ClickException("set PORTAL_SEARCH_BACKEND=solr and PORTAL_SOLR_URL first")
        nodes, alias = backend.client.nodes, backend.target.collection
        targets = solr_admin.alias_targets(nodes, alias)
        if targets:
            for name in targets:
                solr_admin.setup(
                    nodes,
                    name,
                    config_name=alias,
                    num_shards=backend.shards,
                    replication_factor=backend.replicas,
                )
            click.echo(f"Configset uploaded; {', '.join(targets)} reloaded (alias {alias}).")
            return
        first = f"{alias}_1"
        solr_admin.setup(
            nodes,
            first,
            config_name=alias,
            num_shards=backend.shards,
            replication_factor=backend.replicas,
        )
        solr_admin.create_alias(nodes, alias, first)
        click.echo(
            f"Created collection {first} with alias {alias}; "
            "now run: flask --app app search rebuild"
        )

    @search_group.command("purge-log")
    def purge_log() -> None:
        """Delete search-log rows older than 90 days and the salts of ended periods."""
        from portal.search import hotwords

        click.echo(f"Deleted {hotwords.purge()} search-log rows older than 90 days.")

    @app.cli.group("users")
    def users_group() -> None:
        """Manage staff accounts (there is no default account)."""

    @users_group.command("create")
    @click.argument("username")
    @click.option("--role", type=click.Choice(list(ROLES)), help="Role held in each --org.")
    @click.option(
        "--org",
        "org_codes",
        multiple=True,
        help="Organisation code where the role is held (repeatable; default: the home one).",
    )
    @click.option(
        "--platform-admin", is_flag=True, help="Manages organisations and accounts (监管)."
    )
    @click.option("--name", "display_name", default="", help="Name shown in the back office.")
    @click.option("--totp", is_flag=True, help="Enrol a TOTP second factor (always for admins).")
    @click.password_option(help="Prompted for (twice) when not given.")
    def create_user(
        username: str,
        role: str | None,
        org_codes: tuple[str, ...],
        platform_admin: bool,
        display_name: str,
        totp: bool,
        password: str,
    ) -> None:
        """Create a staff account."""
        org_ids = []
        for code in org_codes or (directory.home().code,):
            org = directory.by_code(code)
            if org is None:
                raise click.ClickException(f"--org：没有代码为 {code} 的单位")
            org_ids.append(org.id)
        try:
            user = accounts.create_user(
                username,
                display_name,
                role,
                password,
                totp=totp,
                org_ids=org_ids,
                platform_admin=platform_admin,
            )
        except ValidationError as exc:
            raise click.ClickException("；".join(exc.errors.values())) from None
        held = (
            [f"{role}@{code}" for code in (org_codes or (directory.home().code,))] if role else []
        )
        held += ["platform-admin"] if platform_admin else []
        click.echo(f"Created {user.username} ({', '.join(held)}).")
        uri = accounts.provisioning_uri(user, current_app.config["SITE_NAME"])
        if uri:
            click.echo("Add this to an authenticator app (shown once):")
            click.echo(uri)
