"""Hot words (热词): what many different residents searched for lately, from an
anonymised query log.

Each search with a query adds one row: the normalised query (at most 50 characters), its
period (7 days) and ``client`` = HMAC-SHA256(the period's salt, address + User-Agent). The
address is never stored, nor logged. One random salt per period is kept; when a period
begins its salt is created and the ended periods' salts are deleted, so a hash of an
earlier period can no longer be linked to anyone's later searches or brute-forced over
the address space. Rows older than 90 days are purged then too (and by
``flask search purge-log``).

A hot word is a query searched by at least 5 different clients within one period (the
current or the previous one), with no personal data (``privacy.find_personal_data``),
fewer than 5 digits in total, and not hidden by staff; the most clients first, at most 10.
Each process keeps the list for 30 seconds.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import Flask, current_app

from portal import audit
from portal.auth.actor import Actor, Permission, require
from portal.database import unit_of_work
from portal.errors import NotFound, ValidationError
from portal.extensions import db
from portal.search import analysis
from portal.search.models import HiddenHotWord, SearchQueryLog, SearchSalt
from portal.timeutil import utcnow

log = logging.getLogger(__name__)

PERIOD = timedelta(days=7)
KEEP = timedelta(days=90)
MAX_CHARS = 50
MIN_CLIENTS = 5
MAX_DIGITS = 4  # a query with more digits than this may be a number someone typed
TOP = 10
CACHE_SECONDS = 30.0
SQLITE_WAIT_MS = 250  # how long a search's log row waits for another writer on SQLite
LABEL = "热词"


def period_of(now: datetime) -> int:
    """The number of the 7-day period ``now`` falls in (periods start on Thursdays, UTC)."""
    return int(now.timestamp() // PERIOD.total_seconds())


def normalise(query: str) -> str:
    """The query as it is logged and shown: normalised, spaces collapsed, 50 characters."""
    text = analysis.normalize((query or "")[: analysis.MAX_QUERY_CHARS * 10])
    return " ".join(text.split())[:MAX_CHARS].strip()


#: Finds personal data in a text (``portal.interaction.privacy.find_personal_data``, handed
#: over by ``create_app``: the search area does not import the interaction area, which
#: imports search). Until then, anything with an ``@`` counts as personal.
PersonalData = Callable[[str], list]


def use_personal_data_check(app: Flask, find: PersonalData) -> None:
    app.extensions["portal.search.personal_data"] = find


def shareable(word: str) -> bool:
    """Whether ``word`` may be shown to everyone: no personal data, fewer than 5 digits."""
    digits = sum(ch.isdigit() for ch in word)
    if not word or digits > MAX_DIGITS:
        return False
    find: PersonalData | None = current_app.extensions.get("portal.search.personal_data")
    return not find(word) if find is not None else "@" not in word


# -- logging ----------------------------------------------------------------------------


def _salts(app: Flask) -> dict[int, bytes]:
    salts: dict[int, bytes] = app.extensions.setdefault("portal.search.salts", {})
    return salts


def _salt(engine: sa.Engine, period: int, now: datetime) -> bytes:
    """The salt of ``period``, created (and the ended periods' deleted) when it is new."""
    cached = _salts(current_app._get_current_object())  # type: ignore[attr-defined]
    if period in cached:
        return cached[period]
    with engine.connect() as conn:
        salt = conn.scalar(sa.select(SearchSalt.salt).where(SearchSalt.period == period))
    if salt is None:
        # A writer's transaction (BEGIN IMMEDIATE on SQLite): read, then create, once.
        with engine.connect().execution_options(portal_immediate=True) as conn, conn.begin():
            salt = conn.scalar(sa.select(SearchSalt.salt).where(SearchSalt.period == period))
            if salt is None:
                salt = secrets.token_hex(32)
                conn.execute(sa.insert(SearchSalt).values(period=period, salt=salt, created_at=now))
                _purge(conn, now)
    cached.clear()  # only the current period's salt is ever needed
    cached[period] = bytes.fromhex(salt)
    return cached[period]


def client_hash(salt: bytes, address: str, user_agent: str) -> str:
    return hmac.new(salt, f"{address}\n{user_agent}".encode(), hashlib.sha256).hexdigest()


def record(query: str, address: str, user_agent: str, now: datetime | None = None) -> bool:
    """Log one search of ``query`` by the client at ``address`` (not stored); False when
    there is nothing to log, or the query could never be shown (personal data, numbers)."""
    word = normalise(query)
    if not word or not shareable(word):  # personal data is not even kept in the log
        return False
    now = now or utcnow()
    period = period_of(now)
    engine = db.engine
    client = client_hash(_salt(engine, period, now), address, user_agent[:500])
    row = {"period": period, "word": word, "client": client, "created_at": now}
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:  # a search never queues for long behind a writer: it drops its row
            conn.exec_driver_sql(f"PRAGMA busy_timeout = {SQLITE_WAIT_MS}")
        try:
            conn.execute(sa.insert(SearchQueryLog).values(**row))
            conn.commit()
        finally:
            if sqlite:
                conn.rollback()
                conn.exec_driver_sql("PRAGMA busy_timeout = 30000")  # as database.py sets
                conn.commit()
    return True


def _purge(conn: sa.Connection, now: datetime) -> int:
    conn.execute(sa.delete(SearchSalt).where(SearchSalt.period < period_of(now)))
    result = conn.execute(sa.delete(SearchQueryLog).where(SearchQueryLog.created_at < now - KEEP))
    return int(result.rowcount or 0)


def purge(now: datetime | None = None) -> int:
    """Delete log rows older than 90 days and the salts of ended periods; returns how
    many rows went."""
    now = now or utcnow()
    with db.engine.connect().execution_options(portal_immediate=True) as conn, conn.begin():
        return _purge(conn, now)


# -- hot words --------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    word: str
    clients: int
    hidden: bool


def candidates(now: datetime | None = None, limit: int = 50) -> list[Candidate]:
    """Queries searched by 5+ clients in the current or previous period that may be shown
    (hidden ones included, marked), the most clients first."""
    now = now or utcnow()
    current = period_of(now)
    clients = sa.func.count(sa.distinct(SearchQueryLog.client))
    rows = db.session.execute(
        sa.select(SearchQueryLog.word, clients)
        .where(SearchQueryLog.period.in_([current - 1, current]))
        .group_by(SearchQueryLog.period, SearchQueryLog.word)
        .having(clients >= MIN_CLIENTS)
    ).all()
    best: dict[str, int] = {}
    for word, count in rows:
        best[word] = max(best.get(word, 0), int(count))
    hidden = set(db.session.scalars(sa.select(HiddenHotWord.word)))
    found = [
        Candidate(word, count, word in hidden) for word, count in best.items() if shareable(word)
    ]
    return sorted(found, key=lambda c: (-c.clients, c.word))[:limit]


def hot_words(now: datetime | None = None) -> list[str]:
    """The hot words shown to residents (kept 30 s per process; [] if unreadable)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    cached = app.extensions.get("portal.search.hotwords")
    if now is None and cached is not None and time.monotonic() - cached[0] < CACHE_SECONDS:
        return list(cached[1])
    try:
        words = [c.word for c in candidates(now) if not c.hidden][:TOP]
    except Exception as exc:  # a page never fails for want of hot words
        log.error("hot words could not be read: %s", type(exc).__name__)
        db.session.rollback()
        return []
    if now is None:
        app.extensions["portal.search.hotwords"] = (time.monotonic(), tuple(words))
    return words


def forget() -> None:
    """Drop this process's copy of the hot words (after staff changed them)."""
    current_app.extensions.pop("portal.search.hotwords", None)


def hidden_words() -> list[HiddenHotWord]:
    """The words staff hid, most recently hidden first."""
    query = sa.select(HiddenHotWord).order_by(HiddenHotWord.hidden_at.desc())
    return list(db.session.scalars(query))


def hide(actor: Actor, word: str) -> str:
    """Keep ``word`` off the hot words and the suggestions; returns it as stored."""
    require(actor, Permission.MANAGE_SEARCH)
    cleaned = normalise(word)
    if not cleaned:
        raise ValidationError({"word": "热词：必填"})
    with unit_of_work():
        exists = db.session.scalar(sa.select(HiddenHotWord.id).where(HiddenHotWord.word == cleaned))
        if exists is None:
            row = HiddenHotWord(word=cleaned, hidden_by=actor.name)
            db.session.add(row)
            db.session.flush()
            audit.record(actor.name, "hotword_hidden", "search", row.id, word=cleaned)
    forget()
    return cleaned


def unhide(actor: Actor, word: str) -> str:
    """Let ``word`` be a hot word again."""
    require(actor, Permission.MANAGE_SEARCH)
    cleaned = normalise(word)
    with unit_of_work():
        row = db.session.scalar(sa.select(HiddenHotWord).where(HiddenHotWord.word == cleaned))
        if row is None:
            raise NotFound(f"hidden word {cleaned!r}")
        audit.record(actor.name, "hotword_shown", "search", row.id, word=cleaned)
        db.session.delete(row)
    forget()
    return cleaned


def pinyin_keys(word: str) -> tuple[str, ...]:
    """The toneless pinyin of ``word`` run together, and its initials ("" if unknown)."""
    try:
        from pypinyin import Style, lazy_pinyin
    except ImportError:  # pragma: no cover - pypinyin is a dependency
        return ()
    parts = [p.lower() for p in lazy_pinyin(word, style=Style.NORMAL, errors="ignore")]
    return ("".join(parts), "".join(p[0] for p in parts if p))


def starting_with(prefix: str, limit: int) -> list[str]:
    """Hot words that start with ``prefix``, or whose pinyin or initials do."""
    prefix = prefix.strip()
    if not prefix:
        return []
    latin = prefix.replace(" ", "").replace("'", "")
    latin = latin if latin.isascii() and latin.isalpha() else ""
    found = []
    for word in hot_words():
        if word == prefix or not shareable(word):
            continue
        if word.startswith(prefix) or (
            latin and any(k.startswith(latin) for k in pinyin_keys(word))
        ):
            found.append(word)
    return found[:limit]
