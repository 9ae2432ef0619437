"""``flask --app app outbox run|send-once|status``: the sender as its own process."""

from __future__ import annotations

import signal
import threading

import click
from flask import Flask, current_app

from portal.outbox import queue
from portal.outbox.sender import Sender


def _sender() -> Sender:
    if not current_app.config.get("SMTP_URL"):
        raise click.ClickException("PORTAL_SMTP_URL is not set: nothing is sent, mails stay queued")
    try:
        return Sender.from_config(current_app.config)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None


def register(app: Flask) -> None:
    @app.cli.group("outbox")
    def outbox() -> None:
        """Mail to residents (the outbox)."""

    @outbox.command("send-once")
    def send_once() -> None:
        """Deliver one batch of due mails and report what happened."""
        outcome = _sender().send_once()
        click.echo(
            f"{outcome.sent} sent, {outcome.retried} to retry later, {outcome.failed} failed."
        )

    @outbox.command("run")
    @click.option("--interval", default=5.0, show_default=True, help="Seconds between polls.")
    def run(interval: float) -> None:
        """Deliver due mails until stopped (SIGTERM or Ctrl-C): the production sender."""
        sender = _sender()
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        click.echo(f"Outbox sender {sender.worker_id} delivering to {sender.relay.host}.")
        sender.run(stop, interval=interval)

    @outbox.command("status")
    def status() -> None:
        """How many mails wait and how many were given up."""
        backlog = queue.backlog()
        state = "configured" if backlog.configured else "PORTAL_SMTP_URL not set"
        click.echo(f"{backlog.queued} queued, {backlog.failed} failed ({state}).")
