"""Operator commands: ``flask --app app backup|restore|purge``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask

from portal.auth.actor import SYSTEM
from portal.ops import backup, retention


def register(app: Flask) -> None:
    @app.cli.command("backup")
    @click.argument("path", type=click.Path(path_type=Path))
    def backup_command(path: Path) -> None:
        """Write the database and the uploaded files into one .tar.gz (PATH or a file in it)."""
        try:
            target, manifest = backup.create_backup(path)
        except backup.BackupError as exc:
            raise click.ClickException(str(exc)) from None
        counts = ", ".join(f"{n} {name}" for name, n in manifest["counts"].items())
        size = target.stat().st_size / 1024 / 1024
        click.echo(f"Backed up {counts} to {target} ({size:.1f} MB).")

    @app.cli.command("restore")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--force", is_flag=True, help="Replace a database that already holds data.")
    def restore_command(path: Path, force: bool) -> None:
        """Restore a backup into this instance (stop the web server first)."""
        try:
            manifest = backup.restore_backup(path, force=force, echo=click.echo)
        except backup.BackupError as exc:
            raise click.ClickException(str(exc)) from None
        counts = ", ".join(f"{n} {name}" for name, n in manifest["counts"].items())
        click.echo(f"Restored the backup of {manifest['created_at']}: {counts}.")

    @app.cli.command("purge")
    @click.option("--dry-run", is_flag=True, help="Count what is due, change nothing.")
    def purge_command(dry_run: bool) -> None:
        """Anonymise residents' personal data past its retention period (docs/retention.md)."""
        report = retention.purge(actor=SYSTEM, dry_run=dry_run)
        verb = "Would anonymise" if dry_run else "Anonymised"
        files = ""
        if report.files:
            files = f"; {'would delete' if dry_run else 'deleted'} {report.files} files of requests"
        click.echo(
            f"{verb} {report.requests} information requests, {report.messages} messages, "
            f"{report.feedback} reports of an error, {report.opinions} consultation opinions "
            f"and {report.quarantined} quarantined submissions{files}."
        )
        if report.unanswered_kept:
            click.echo(
                f"Kept {report.unanswered_kept} unanswered messages older than the message "
                "period: answer them (their personal data is purged a period after the answer)."
            )
