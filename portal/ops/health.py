"""What ``/healthz`` reports: database, search index, working-day calendar and disk space.

Each check says ``ok``, ``warn`` (worth a look, the portal still does its job) or ``fail``
(this instance cannot serve: ``/healthz`` answers 503, and a load balancer takes it out; the
calendar therefore never fails). The checks are cheap, except the comparison of the whole
index with the database (``search verify``), which runs at most every
``PORTAL_HEALTH_VERIFY_MINUTES`` and only while the index has no change to catch up on; its
result is kept in the index folder, so all workers share one run. Nothing here writes to
the database or the index: a missing index is reported, not rebuilt.

Reports name no file paths, hosts or error messages (those can carry connection details);
the logs have the rest.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app
from whoosh import index as whoosh_index

from portal import changelog
from portal.changelog import DocumentChange
from portal.extensions import db
from portal.interaction import calendar
from portal.ops.schema import current_heads, script_heads
from portal.search.index import SCHEMA_VERSION, SearchIndex, State, get_index
from portal.search.solr import SolrBackend
from portal.timeutil import local_date, utcnow

log = logging.getLogger(__name__)

OK, WARN, FAIL = "ok", "warn", "fail"
VERIFY_FILE = "health-search-verify.json"
VERIFY_RETRY = timedelta(minutes=1)  # a drift that was found is looked at again this soon
MB = 1024 * 1024
_verify_lock = threading.Lock()


@dataclass
class Check:
    """One check's verdict and what an operator needs to act on it."""

    status: str
    detail: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"status": self.status, **self.detail}


def run(now: datetime | None = None) -> dict[str, Any]:
    """Run every check; the report is ``fail`` when any check failed, else ``ok``."""
    now = now or utcnow()
    checks: dict[str, dict[str, Any]] = {}
    for name, check in CHECKS.items():
        try:
            result = check(now)
        except Exception as exc:  # a broken check is a failed check, never a 500
            log.exception("health check %s could not run", name)
            db.session.rollback()
            result = Check(FAIL, {"error": type(exc).__name__})
        checks[name] = result.as_dict()
    failed = any(check["status"] == FAIL for check in checks.values())
    return {"status": FAIL if failed else OK, "checks": checks}


# -- database ---------------------------------------------------------------------------


def check_database(now: datetime) -> Check:
    """The database answers, and its schema is at the migrations' head."""
    try:
        connection = db.session.connection()
        connection.execute(sa.text("SELECT 1"))
        current = list(current_heads(connection))
    except sa.exc.SQLAlchemyError as exc:
        db.session.rollback()
        return Check(FAIL, {"error": f"database unavailable ({type(exc).__name__})"})
    expected = list(script_heads(current_app.extensions["migrate"].directory))
    detail: dict[str, Any] = {"revision": ",".join(current) or None, "head": ",".join(expected)}
    if current != expected:
        detail["error"] = "schema not at the migration head: run flask --app app db upgrade"
        return Check(FAIL, detail)
    return Check(OK, detail)


# -- search index -----------------------------------------------------------------------


def _read_state(index: SearchIndex) -> State | None:
    """The live generation's change-log position, read without the rebuild-on-open."""
    name = index.current_generation()
    if name is None:
        return None
    ix = whoosh_index.open_dir(str(index.root / name))
    with ix.searcher() as searcher:
        return State.read(searcher)


def _pending(applied: int) -> tuple[int, datetime | None]:
    """How many change-log entries the index has not applied, and when the oldest was made."""
    count, oldest = db.session.execute(
        sa.select(sa.func.count(DocumentChange.id), sa.func.min(DocumentChange.created_at)).where(
            DocumentChange.id > applied
        )
    ).one()
    return count or 0, oldest


def _lag(applied: int, now: datetime) -> tuple[dict[str, Any], int]:
    newest = changelog.position()
    pending, oldest = _pending(applied)
    waited = max(0, int((now - oldest).total_seconds())) if oldest else 0
    detail: dict[str, Any] = {
        "applied_change": applied,
        "newest_change": newest,
        "pending_changes": pending,
        "oldest_pending_seconds": waited,
    }
    return detail, waited


def check_solr(backend: SolrBackend, now: datetime) -> Check:
    """Solr answers, holds a collection built by this version, and follows the change log."""
    try:
        state = backend.state(fresh=True)
    except Exception:
        log.warning("Solr did not answer the health check", exc_info=True)
        return Check(FAIL, {"backend": "solr", "error": "Solr unreachable: see the logs"})
    if state.schema == 0:
        return Check(
            FAIL, {"backend": "solr", "error": "empty: run flask --app app search rebuild"}
        )
    detail, waited = _lag(state.last_change_id, now)
    detail["backend"] = "solr"
    if state.schema != SCHEMA_VERSION:
        detail["warning"] = (
            "collection built by an older version: run flask --app app search rebuild"
        )
        return Check(WARN, detail)
    if detail["pending_changes"] and waited > current_app.config["HEALTH_INDEX_LAG_SECONDS"]:
        detail["error"] = f"Solr {waited} s behind the database: run flask --app app search sync"
        return Check(FAIL, detail)
    return Check(OK, detail)


def check_search(now: datetime) -> Check:
    """The index exists, follows the change log, and (now and then) matches the database."""
    backend = current_app.extensions["portal.search"]
    if isinstance(backend, SolrBackend):
        return check_solr(backend, now)
    index = get_index()
    rebuild = "run flask --app app search rebuild"
    try:
        state = _read_state(index)
    except Exception:
        log.warning("search index unreadable", exc_info=True)
        return Check(FAIL, {"error": f"search index unreadable: {rebuild}"})
    if state is None:
        return Check(FAIL, {"error": f"no search index: {rebuild}"})
    detail, waited = _lag(state.last_change_id, now)
    pending = detail["pending_changes"]
    status = OK
    if state.schema != SCHEMA_VERSION:
        detail["warning"] = "index built by an older version: the next search rebuilds it"
        return Check(WARN, detail)
    limit = current_app.config["HEALTH_INDEX_LAG_SECONDS"]
    if pending and waited > limit:
        status = FAIL
        detail["error"] = f"index {waited} s behind the database: run flask --app app search sync"
    summary = verify_summary(index, now, state.last_change_id, pending)
    if summary is not None:
        detail["verify"] = summary
        if summary["missing"] or summary["stale"] or summary["extra"]:
            status = FAIL
            detail["error"] = "index differs from the database: run flask --app app search verify"
    return Check(status, detail)


def _read_summary(path: Path) -> dict[str, Any] | None:
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
        datetime.fromisoformat(summary["checked_at"])
        return summary
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _fresh(summary: dict[str, Any], generation: str | None, now: datetime, minutes: int) -> bool:
    if summary.get("generation") != generation:
        return False  # the index was rebuilt since
    checked = datetime.fromisoformat(summary["checked_at"])
    drift = summary["missing"] or summary["stale"] or summary["extra"]
    keep = VERIFY_RETRY if drift else timedelta(minutes=minutes)
    return checked <= now < checked + keep


def verify_summary(
    index: SearchIndex, now: datetime, applied: int, pending: int
) -> dict[str, Any] | None:
    """The last full comparison of index and database, run again when it is too old.

    A comparison needs a quiet moment (no change waiting for the index): meanwhile, and while
    another thread of this process runs one, the previous result stands.
    """
    minutes = current_app.config["HEALTH_VERIFY_MINUTES"]
    if minutes <= 0:
        return None
    path = index.root / VERIFY_FILE
    generation = index.current_generation()
    cached = _read_summary(path)
    if cached is not None and _fresh(cached, generation, now, minutes):
        return cached
    if pending or not _verify_lock.acquire(blocking=False):
        return cached
    try:
        report = index.verify()
        if not report.ok and _pending(applied)[0]:
            return cached  # a change came in while comparing: not a drift, look again later
        summary = {
            "generation": generation,
            "checked_at": now.isoformat(timespec="seconds"),
            "missing": len(report.missing),
            "stale": len(report.stale),
            "extra": len(report.extra),
        }
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(summary), encoding="utf-8")
        tmp.replace(path)
        return summary
    finally:
        _verify_lock.release()


# -- calendar ---------------------------------------------------------------------------


def check_calendar(now: datetime) -> Check:
    """Whether this year and next have the State Council's holiday arrangement.

    Never a failure: a year without one (*provisional*) still counts the statutory holidays
    and weekends, only not the 调休 make-up days, and every host shares the same data, so a
    503 would take the whole site down for something a restart cannot fix. A warning asks
    for the arrangement to be added once it is published (usually in November).
    """
    where = "portal/interaction/data/holidays.yaml"
    try:
        coverage = calendar.coverage(local_date(now))
    except Exception:
        log.exception("holiday data could not be read")
        return Check(WARN, {"warning": f"holiday data could not be read: check {where}"})
    provisional = coverage["provisional_years"]
    detail: dict[str, Any] = {
        "last_known_year": max(coverage["known_years"], default=None),
        "years": coverage["years"],
        "provisional_years": provisional,
    }
    if not provisional:
        return Check(OK, detail)
    years = ", ".join(map(str, provisional))
    detail["warning"] = (
        f"no State Council holiday arrangement for {years}: deadlines there count statutory "
        f"holidays and weekends only (no 调休); add it to {where} once it is published"
    )
    return Check(WARN, detail)


# -- disk -------------------------------------------------------------------------------


def _existing(path: Path) -> Path:
    """``path`` or, if it does not exist yet, its nearest existing parent."""
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def check_disk(now: datetime) -> Check:
    """The data folders' disks have room (an index rebuild needs several times its size)."""
    config = current_app.config
    min_mb, min_percent = config["HEALTH_MIN_FREE_MB"], config["HEALTH_MIN_FREE_PERCENT"]
    folders = {
        "instance": current_app.instance_path,
        "uploads": config["UPLOAD_DIR"],
        "search_index": config["SEARCH_INDEX"],
    }
    report: dict[str, dict[str, Any]] = {}
    for label, folder in folders.items():
        path = _existing(Path(folder).resolve())
        usage = shutil.disk_usage(path)
        free_mb = usage.free // MB
        percent = round(100 * usage.free / usage.total, 1) if usage.total else 0.0
        writable = os.access(path, os.W_OK)
        enough = free_mb >= min_mb and percent >= min_percent
        report[label] = {
            "status": OK if enough and writable else FAIL,
            "free_mb": free_mb,
            "free_percent": percent,
            "writable": writable,
        }
    failed = any(item["status"] == FAIL for item in report.values())
    detail = {"folders": report, "min_free_mb": min_mb, "min_free_percent": min_percent}
    return Check(FAIL if failed else OK, detail)


CHECKS: dict[str, Callable[[datetime], Check]] = {
    "database": check_database,
    "search": check_search,
    "calendar": check_calendar,
    "disk": check_disk,
}
