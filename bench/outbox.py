"""Benchmark: the outbox sender — mails per second into a real SMTP relay on loopback, and
residents' submissions while a backlog of 10,000 mails drains.

Not a test. Run by hand from the repository root:

    python bench/outbox.py [--database-url URL] [--mails 2000] [--backlog 10000]
                           [--clients 4] [--submissions 120] [--workers 2]

Without ``--database-url`` it uses a scratch SQLite file; a PostgreSQL URL must name a
database of its own (not ``test``, which the test suite uses): its ``public`` schema is
dropped and made again. The schema comes from the real migrations. The relay is aiosmtpd
(``aiosmtpd.handlers.Sink``: it accepts and drops every mail) in its own process on a
loopback port.

1. Throughput: ``--mails`` queued rows (the "answered" mail as ``compose`` words it, to
   different addresses) drained by ``Sender.send_once`` in a loop, batches of
   ``sender.BATCH`` on one relay connection each, as the production sender works. Two
   baselines in the same run: the same mails handed to the relay by plain ``smtplib`` in
   the same batches without a database (the relay's own limit), and the sender against a
   relay that does nothing (the database's share: claiming and marking).
2. Submissions while draining: ``--backlog`` queued rows, ``gunicorn wsgi:app`` with
   ``--workers`` sync workers, and ``--clients`` residents who each fetch the message or
   request form and post it (with an e-mail address, so each adds a mail), one after the
   other, ``--submissions`` posts in all per phase. Phases: before (no sender), the
   sender alone (``flask outbox run`` in its own process, no residents), while draining
   (both), after (sender stopped). Latency is the POST's, from the client. Throughout, a
   probe takes the database's write lock every 20 ms and times how long that takes
   (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: the portal writers' advisory lock), so the
   lock waits the sender causes are measured on their own in the "sender alone" phase.

Figures go in BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import re
import smtplib
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load import wait_for  # noqa: E402
from bench.pages import free_port  # noqa: E402

WRITE_LOCK_KEY = 0x5D0C  # portal.database._WRITE_LOCK_KEY
ADDRESS = "resident{}@example.com"


# -- the database ---------------------------------------------------------------------


def scratch_url(url: str | None, scratch: Path) -> str:
    if not url:
        return f"sqlite:///{scratch / 'outbox.db'}"
    parts = urlsplit(url)
    if parts.path.strip("/") in {"", "test"}:
        raise SystemExit("name a database of its own for the benchmark (not test)")
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")
    return url


def environment(url: str, scratch: Path, relay_port: int) -> dict[str, str]:
    """The settings of every process of the run (bench, gunicorn, sender)."""
    return {
        "PORTAL_DATABASE_URL": url,
        "PORTAL_SECRET_KEY": "outbox-benchmark",
        "PORTAL_SMTP_URL": f"smtp://127.0.0.1:{relay_port}?timeout=10",
        "PORTAL_MAIL_FROM": "东晓街道 <noreply@example.gov.cn>",
        "PORTAL_BASE_URL": "https://www.example.gov.cn",
        "PORTAL_MESSAGE_RATE": "1000000 per hour",
        "PORTAL_REQUEST_RATE": "1000000 per hour",
        "PORTAL_MIN_FILL_SECONDS": "0",
        "PORTAL_SEARCH_INDEX": str(scratch / "index"),
        "PORTAL_UPLOAD_DIR": str(scratch / "uploads"),
        "PORTAL_CONTENT_DIR": "/nonexistent",
    }


def fill(app, count: int) -> None:
    """Replace the outbox by ``count`` queued mails, due now."""
    import sqlalchemy as sa

    from portal.extensions import db
    from portal.orgs import directory
    from portal.outbox import compose, queue
    from portal.outbox.models import Notification
    from portal.states import NotificationStatus
    from portal.timeutil import utcnow

    with app.app_context():
        db.session.execute(sa.delete(Notification))
        org = directory.home()
        now = utcnow()
        for start in range(0, count, 1000):
            rows = []
            for n in range(start, min(start + 1000, count)):
                number = f"LY-2026-{n + 1:06d}"
                mail = compose.build(
                    "message", "answered", tracking_no=number, organisation=org.name
                )
                rows.append(
                    {
                        "organisation_id": org.id,
                        "item_type": "message",
                        "item_id": n + 1,
                        "event": "answered",
                        "recipient": ADDRESS.format(n),
                        "subject": mail.subject,
                        "text_body": mail.text,
                        "html_body": mail.html,
                        "carries_code": False,
                        "message_id": queue.new_message_id(),
                        "status": NotificationStatus.QUEUED,
                        "attempts": 0,
                        "next_attempt_at": now,
                        "created_at": now,
                    }
                )
            db.session.execute(sa.insert(Notification), rows)
        db.session.commit()


def counts(app) -> dict[str, int]:
    import sqlalchemy as sa

    from portal.extensions import db
    from portal.outbox.models import Notification

    with app.app_context():
        found = db.session.execute(
            sa.select(Notification.status, sa.func.count()).group_by(Notification.status)
        ).tuples()
        result = {str(status): n for status, n in found}
        db.session.remove()
    return result


# -- part 1: throughput ---------------------------------------------------------------


class NullSMTP:
    """A relay connection that takes every mail and does nothing: the database's share."""

    def send_message(self, mail) -> None:
        pass

    def quit(self) -> None:
        pass

    def close(self) -> None:
        pass


def drain(app, sender) -> float:
    """Seconds ``sender`` takes to deliver every due mail, batch after batch."""
    with app.app_context():
        started = time.perf_counter()
        while sender.send_once().claimed:
            pass
        elapsed = time.perf_counter() - started
        from portal.extensions import db

        db.session.remove()
    return elapsed


def smtplib_floor(app, relay_port: int, batch: int) -> float:
    """Seconds plain smtplib takes to hand the same mails to the relay, ``batch`` per
    connection, with no database in between."""
    import sqlalchemy as sa

    from portal.extensions import db
    from portal.outbox.models import Notification
    from portal.outbox.sender import Sender

    with app.app_context():
        sender = Sender.from_config(app.config)
        mails = [sender.message(row) for row in db.session.scalars(sa.select(Notification))]
        db.session.remove()
    started = time.perf_counter()
    for start in range(0, len(mails), batch):
        smtp = smtplib.SMTP("127.0.0.1", relay_port, timeout=10)
        smtp.ehlo()
        for mail in mails[start : start + batch]:
            smtp.send_message(mail)
        smtp.quit()
    return time.perf_counter() - started


def throughput(app, relay_port: int, mails: int, rounds: int) -> list[tuple[str, float]]:
    from portal.outbox import sender as sending
    from portal.outbox.sender import Relay, Sender

    class NullRelay(Relay):
        def connect(self):  # type: ignore[override]
            return NullSMTP()

    results: dict[str, list[float]] = {"smtplib": [], "null": [], "sender": []}
    for round_no in range(rounds):
        fill(app, mails)
        results["smtplib"].append(mails / smtplib_floor(app, relay_port, sending.BATCH))
        with app.app_context():
            null = Sender(NullRelay("127.0.0.1", 0), mail_from="bench@example.gov.cn")
        results["null"].append(mails / drain(app, null))
        fill(app, mails)
        with app.app_context():
            real = Sender.from_config(app.config)
        results["sender"].append(mails / drain(app, real))
        delivered = counts(app)
        assert delivered == {"sent": mails}, delivered
        print(
            f"  round {round_no + 1}: smtplib {results['smtplib'][-1]:.0f}/s, "
            f"sender to a null relay {results['null'][-1]:.0f}/s, "
            f"sender {results['sender'][-1]:.0f}/s"
        )
    return [
        (
            "smtplib to the relay, no database (relay's limit)",
            statistics.median(results["smtplib"]),
        ),
        (
            "sender to a relay that does nothing (database's share)",
            statistics.median(results["null"]),
        ),
        ("sender to the relay (what production does)", statistics.median(results["sender"])),
    ]


# -- part 2: residents while the backlog drains --------------------------------------


@dataclass
class Phase:
    name: str
    latencies: list[float] = field(default_factory=list)
    lock_waits: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0
    sent_during: int = 0
    queued_after: int = 0


HIDDEN = re.compile(r'<input[^>]*name="(csrf_token|form_token|rendered)"[^>]*value="([^"]*)"')


def request(port: int, method: str, path: str, cookie: str, body: str | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Host": "localhost", "Cookie": cookie}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    text = response.read().decode()
    cookies = [v for k, v in response.getheaders() if k.lower() == "set-cookie"]
    conn.close()
    return response.status, text, cookies


def resident(port: int, number: int) -> float:
    """One resident: fetch a form, post it; returns the POST's seconds."""
    from tests.test_interaction import message_data, request_data

    path, data = (
        ("/messages/new", message_data(contact=ADDRESS.format(f"r{number}")))
        if number % 2 == 0
        else ("/requests/new", request_data(email=ADDRESS.format(f"q{number}")))
    )
    status, page, cookies = request(port, "GET", path, "")
    cookie = "; ".join(c.split(";", 1)[0] for c in cookies)
    fields = dict(HIDDEN.findall(page))
    started = time.perf_counter()
    status, page, _ = request(port, "POST", path, cookie, urlencode({**fields, **data}))
    elapsed = time.perf_counter() - started
    if status != 200 or "已提交" not in page:
        raise RuntimeError(f"POST {path}: {status}")
    return elapsed


def residents(port: int, clients: int, total: int, phase: Phase, first: int) -> None:
    numbers = iter(range(first, first + total))
    lock = threading.Lock()

    def work() -> None:
        while True:
            with lock:
                number = next(numbers, None)
            if number is None:
                return
            try:
                elapsed = resident(port, number)
            except Exception as exc:  # counted, and the run goes on
                print(f"  resident {number}: {exc}")
                phase.errors += 1
                continue
            with lock:
                phase.latencies.append(elapsed)

    threads = [threading.Thread(target=work) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


class LockProbe:
    """Takes the database's write lock every 20 ms on its own connection and times the
    wait; ``phase`` says where the figures go."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.phase: Phase | None = None
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def acquire(self) -> Callable[[], float]:
        if self.url.startswith("sqlite"):
            conn = sqlite3.connect(self.url.removeprefix("sqlite:///"), isolation_level=None)
            conn.execute("PRAGMA busy_timeout = 30000")

            def once() -> float:
                started = time.perf_counter()
                conn.execute("BEGIN IMMEDIATE")
                waited = time.perf_counter() - started
                conn.execute("ROLLBACK")
                return waited

            return once
        import psycopg

        pg = psycopg.connect(self.url.replace("postgresql+psycopg://", "postgresql://"))

        def once_pg() -> float:
            started = time.perf_counter()
            pg.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK_KEY,))
            waited = time.perf_counter() - started
            pg.rollback()
            return waited

        return once_pg

    def run(self) -> None:
        once = self.acquire()
        while not self.stop.is_set():
            waited = once()
            if self.phase is not None:
                self.phase.lock_waits.append(waited)
            self.stop.wait(0.02)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def run_phase(app, phase: Phase, probe: LockProbe, body: Callable[[], None]) -> Phase:
    before = counts(app)
    probe.phase = phase
    started = time.perf_counter()
    body()
    phase.seconds = time.perf_counter() - started
    probe.phase = None
    after = counts(app)
    phase.sent_during = after.get("sent", 0) - before.get("sent", 0)
    phase.queued_after = after.get("queued", 0) + after.get("sending", 0)
    line = f"  {phase.name}: {phase.seconds:.1f} s, {phase.sent_during} mails sent"
    if phase.latencies:
        line += (
            f", POST p50 {percentile(phase.latencies, 50) * 1000:.0f} ms"
            f" p95 {percentile(phase.latencies, 95) * 1000:.0f} ms"
            f" max {max(phase.latencies) * 1000:.0f} ms"
        )
    if phase.lock_waits:
        line += f", lock wait max {max(phase.lock_waits) * 1000:.1f} ms"
    print(line + f", {phase.queued_after} still queued")
    return phase


def submissions_while_draining(
    app, url: str, env: dict[str, str], args: argparse.Namespace
) -> tuple[list[Phase], float]:
    fill(app, args.backlog)
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py")]
    command += ["-w", str(args.workers), "-b", f"127.0.0.1:{port}", "--access-logfile", "/dev/null"]
    server = subprocess.Popen([*command, "wsgi:app"], cwd=ROOT, env=env)
    sender: subprocess.Popen | None = None
    probe = LockProbe(url)
    phases: list[Phase] = []
    drained = 0.0
    try:
        wait_for(port)
        residents(port, args.clients, 8, Phase("warm-up"), 1_000_000)
        probe.thread.start()
        total, first = args.submissions, 0

        def submit() -> None:
            nonlocal first
            residents(port, args.clients, total, phases[-1], first)
            first += total

        phases.append(Phase("before: residents, no sender"))
        run_phase(app, phases[-1], probe, submit)

        outbox = [sys.executable, "-m", "flask", "--app", "app", "outbox", "run"]
        sender = subprocess.Popen([*outbox, "--interval", "0.5"], cwd=ROOT, env=env)
        while not counts(app).get("sent"):  # the process has started and is delivering
            time.sleep(0.05)
        drain_started = time.perf_counter()
        phases.append(Phase("sender alone, draining"))
        run_phase(app, phases[-1], probe, lambda: time.sleep(args.alone))

        phases.append(Phase("while draining: residents and sender"))
        run_phase(app, phases[-1], probe, submit)
        if phases[-1].queued_after == 0:
            print("  the backlog ran out before the residents finished: raise --backlog")

        while True:
            left = counts(app)
            if not left.get("queued", 0) and not left.get("sending", 0):
                break
            time.sleep(0.2)
        drained = time.perf_counter() - drain_started
        sender.terminate()
        sender.wait(timeout=30)
        sender = None
        print(f"  backlog drained {drained:.1f} s after the sender's first mail")

        phases.append(Phase("after: residents, sender stopped"))
        run_phase(app, phases[-1], probe, submit)
    finally:
        probe.stop.set()
        if sender is not None:
            sender.terminate()
            sender.wait(timeout=30)
        server.terminate()
        server.wait(timeout=30)
    return phases, drained


# -- the run --------------------------------------------------------------------------


def describe_machine(url: str) -> str:
    cpu = "unknown CPU"
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
            if line.startswith("Model name:"):
                cpu = line.split(":", 1)[1].strip()
    except OSError:
        pass
    if url.startswith("sqlite"):
        engine = f"SQLite {sqlite3.sqlite_version} (WAL)"
    else:
        import psycopg

        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
            engine = "PostgreSQL " + conn.execute("SHOW server_version").fetchone()[0]
    import aiosmtpd

    return (
        f"{platform.machine()}, {os.cpu_count()} cores ({cpu}), Python "
        f"{platform.python_version()}, {engine}, aiosmtpd {aiosmtpd.__version__}, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--mails", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--backlog", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--submissions", type=int, default=120)
    parser.add_argument("--alone", type=float, default=8.0, help="seconds of the sender alone")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="portal-outbox-"))
    url = scratch_url(args.database_url, scratch)
    relay_port = free_port()
    env = {**os.environ, **environment(url, scratch, relay_port)}
    os.environ.update(environment(url, scratch, relay_port))
    listen = f"127.0.0.1:{relay_port}"
    relay = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-c", "aiosmtpd.handlers.Sink", "-l", listen],
        cwd=scratch,
    )
    try:
        wait_for(relay_port)
        from flask_migrate import upgrade

        from portal import create_app

        app = create_app()
        with app.app_context():
            upgrade(directory=app.extensions["migrate"].directory)
        machine = describe_machine(url)
        load_start = os.getloadavg()
        print(f"Throughput: {args.mails} mails, {args.rounds} rounds (median) ...")
        rates = throughput(app, relay_port, args.mails, args.rounds)
        print(f"Residents while {args.backlog} mails drain ...")
        phases, drained = submissions_while_draining(app, url, env, args)
    finally:
        relay.terminate()
        relay.wait(timeout=10)

    load_end = os.getloadavg()
    print()
    print(f"Machine: {machine}.")
    print(
        "Load average at the start "
        + " / ".join(f"{n:.2f}" for n in load_start)
        + ", at the end "
        + " / ".join(f"{n:.2f}" for n in load_end)
        + "."
    )
    print()
    print(f"| {args.mails} mails, batches of 20 | mails/s |")
    print("|---|---|")
    for label, rate in rates:
        print(f"| {label} | {rate:.0f} |")
    print()
    print(
        f"Backlog of {args.backlog}: drained in {drained:.1f} s from the first mail "
        f"({args.backlog / drained:.0f} mails/s with residents posting part of the time); "
        f"{args.clients} residents, {args.submissions} posts per phase, gunicorn -w {args.workers}."
    )
    print()
    print(
        "| phase | posts | POST p50 ms | p95 ms | max ms | mails sent/s | "
        "write-lock wait p95 ms | max ms |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for phase in phases:
        lat = phase.latencies
        waits = phase.lock_waits
        cells = (
            [f"{percentile(lat, p) * 1000:.0f}" for p in (50, 95)] + [f"{max(lat) * 1000:.0f}"]
            if lat
            else ["–"] * 3
        )
        lock = (
            [f"{percentile(waits, 95) * 1000:.1f}", f"{max(waits) * 1000:.1f}"]
            if waits
            else ["–"] * 2
        )
        rate = f"{phase.sent_during / phase.seconds:.0f}" if phase.seconds else "–"
        posts = f"{len(lat)}" + (f" ({phase.errors} failed)" if phase.errors else "")
        print(f"| {phase.name} | {posts} | {' | '.join(cells)} | {rate} | {' | '.join(lock)} |")


if __name__ == "__main__":
    main()
