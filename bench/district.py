"""Benchmark: a district platform (政府网站集约化) on PostgreSQL, at district scale (issue 15 §7).

Not a test. Run by hand from the repository root, PostgreSQL running
(``bash scripts/services``), ``wrk`` and ``nginx`` installed:

    createdb -h 127.0.0.1 -U postgres bench_platform
    python bench/district.py [--scale 1.0] [--reuse] [--fresh] [--search-sample 10000]
        [--url postgresql://postgres@127.0.0.1:5432/bench_platform]

What it does, in order:

1. **Generates the district** (skipped with ``--reuse`` when the database already holds a
   finished load of the same ``--scale``; a reused database is first upgraded to the newest
   migration, then VACUUM (ANALYZE)) through the real Alembic migrations
   (``flask_migrate.upgrade``): 50 organisations made by ``portal.orgs.service`` (the
   district government as home organisation, 10 departments, 39 街道), then, at scale 1,
   500,000 published documents spread unevenly (3 departments with 50,000, the government
   20,000, the other departments about 14,000, the 街道 2,000-10,000), 200,000 messages
   (most answered, about a third of those published) and 20,000 information requests
   (most closed), spread over the organisations (the 街道 get most messages).
   Generation commits every ``CHUNK`` documents (or messages, requests); an interrupted
   load resumes where it stopped when run again with the same ``--scale``. The bulk load
   bypasses the publishing service, which keeps ``document_tally`` in step; so, as after any
   bulk import, ``portal.documents.tally.rebuild()`` recounts it (checked against a grouped
   count of ``document``). VACUUM (ANALYZE) at the end.
2. **Measures**, under ``gunicorn -c gunicorn.conf.py -w 2``: p50/p95 of sequential
   keep-alive requests after 20 warm-up requests, page cache off
   (``PORTAL_PAGE_CACHE_MB=0``), for the public pages, the admin inbox of one office (signed
   in as its handler through the login form) and the supervision view (a platform admin,
   TOTP); then wrk throughput with the page cache on against ``bench/floor_app.py`` (the
   same home-page bytes from a minimal Flask app under the same gunicorn settings) in the
   same run; the workers' RSS; and the SQL statements each page runs (counted in process
   with a ``before_cursor_execute`` listener through the Flask test client, for a small and
   a big organisation).
3. **Search at this scale** (``--search-sample N``, 0 to skip): the full Whoosh index of
   500,000 documents is not built. Measured: the portal's real ``portal.search.rebuild``
   over a sample of N of the published documents (every k-th id), in documents/second,
   extrapolated linearly to all of them; and the latency of the 50 queries of
   ``bench/search.py`` through ``portal.search.search`` on that sample index (the result
   page re-read from the full database).

Equivalence of the bulk load with the publishing service. For every document,
``publishing.create`` followed by ``publishing.publish(published_at=…)`` writes:
one ``document`` row (status ``published``; ``body_html = markdown.render(body)``;
``publisher`` = the organisation's full name; ``index_no`` =
``<its 统一社会信用代码>/<year>-<5-digit serial>`` numbered per organisation and year,
``extra`` as ``content_types.validate`` cleans it; ``updated_at = published_at``); two
``document_revision`` rows (1 ``created`` with the draft's snapshot, 2 ``published`` with
the published one, both ``publishing._snapshot``'s keys); two ``document_change`` rows
(``created``, ``published``, in commit order); two ``audit_record`` rows (``created``,
``published``, ``detail`` ``{"revision": n, "title": …}``, ``organisation_id``). This
script writes exactly those rows with COPY, in order of publication (ids, change-log ids
and serials follow the dates), calling the same ``render`` and ``validate``; it checks its
snapshots against ``publishing._snapshot`` of a reloaded document at the end. Messages are
``submit_message``'s rows plus the answer columns ``handling.answer``/``publish`` fill
(their audit rows are not written); requests are ``submit_request``'s rows with their
``received`` (and, when closed, ``closed``) events and the status, receipt and due date
``clock.replay`` computes from them. Every query code hash is one precomputed hash (a
password hash per row would take hours and no measured page reads it). While loading, the
secondary indexes, unique and foreign-key constraints of the loaded tables are dropped and
recreated afterwards from their own definitions (``pg_get_constraintdef``, ``indexdef``).

Figures go in BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform as platform_
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load import gunicorn, wrk  # noqa: E402
from bench.pages import KIND_MIX, free_port, sentences  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/bench_platform"
SECRET = "platform-benchmark-only"
SEED = 20261203
CHUNK = 10_000
PASSWORD = "罗湖区平台-基准测试-口令-2026"
TOPICS = ["综合政务", "法治建设", "城市管理", "安全应急", "企业服务", "民生服务"]
TAGS = ["普法", "执法", "安全", "民生", "企业", "调解", "应急", "社区"]
LAST_DAY = date(2026, 11, 30)  # newest publication day; the load covers seven years before
FIRST_DAY = LAST_DAY - timedelta(days=7 * 365)
SHANGHAI_OFFSET = timedelta(hours=8)
LOADED_TABLES = (
    "document",
    "document_revision",
    "document_change",
    "audit_record",
    "message",
    "info_request",
    "info_request_event",
)

# -- the district -----------------------------------------------------------------------

HOME = ("luohu", "深圳市罗湖区人民政府", "罗湖区政府")
DEPARTMENTS = [  # code, name; the first three publish 50,000 documents each
    ("gaj", "深圳市公安局罗湖分局"),
    ("cgj", "深圳市罗湖区城市管理和综合执法局"),
    ("scjg", "深圳市市场监督管理局罗湖监管局"),
    ("fgj", "深圳市罗湖区发展和改革局"),
    ("jyj", "深圳市罗湖区教育局"),
    ("mzj", "深圳市罗湖区民政局"),
    ("sfj", "深圳市罗湖区司法局"),
    ("czj", "深圳市罗湖区财政局"),
    ("zjj", "深圳市罗湖区住房和建设局"),
    ("wjj", "深圳市罗湖区卫生健康局"),
]
STREETS = [  # code, name of the 街道 (the district's ten, then 29 more for scale)
    ("dongxiao", "东晓"),
    ("donghu", "东湖"),
    ("huangbei", "黄贝"),
    ("cuizhu", "翠竹"),
    ("sungang", "笋岗"),
    ("qingshuihe", "清水河"),
    ("guiyuan", "桂园"),
    ("nanhu", "南湖"),
    ("dongmen", "东门"),
    ("liantang", "莲塘"),
    ("yuanling", "园岭"),
    ("nanyuan", "南园"),
    ("huafu", "华富"),
    ("xiangmihu", "香蜜湖"),
    ("lianhua", "莲花"),
    ("meilin", "梅林"),
    ("shatou", "沙头"),
    ("huaqiangbei", "华强北"),
    ("fubao", "福保"),
    ("yuehai", "粤海"),
    ("shekou", "蛇口"),
    ("zhaoshang", "招商"),
    ("xili", "西丽"),
    ("shahe", "沙河"),
    ("taoyuan", "桃源"),
    ("nantou", "南头"),
    ("xixiang", "西乡"),
    ("xinan", "新安"),
    ("fuyong", "福永"),
    ("shajing", "沙井"),
    ("songgang", "松岗"),
    ("shiyan", "石岩"),
    ("hangcheng", "航城"),
    ("fuhai", "福海"),
    ("xinqiao", "新桥"),
    ("yanluo", "燕罗"),
    ("buji", "布吉"),
    ("nanwan", "南湾"),
    ("bantian", "坂田"),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
OUTCOME_MIX = {
    "disclosed": 0.55,
    "partly": 0.1,
    "unavailable.not_held": 0.2,
    "withheld.process": 0.05,
    "rejected.repeat": 0.05,
    "other.other": 0.05,
}


def credit_code(n: int) -> str:
    """A valid 统一社会信用代码 of a 罗湖区 机关 (check character per GB 32100)."""
    from portal.creditcode import check_char

    first17 = f"11440303MB2D{n:05d}"
    return first17 + check_char(first17)


def district(scale: float) -> list[dict[str, Any]]:
    """The organisations with their share of documents, messages and requests."""
    rng = random.Random(SEED)
    orgs: list[dict[str, Any]] = [
        {"code": HOME[0], "name": HOME[1], "short": HOME[2], "kind": "government", "docs": 20_000}
    ]
    for i, (code, name) in enumerate(DEPARTMENTS):
        short = name.replace("深圳市罗湖区", "罗湖区").replace("深圳市", "")
        orgs.append({"code": code, "name": name, "short": short[:50], "kind": "department"})
        orgs[-1]["docs"] = 50_000 if i < 3 else 0
    for code, name in STREETS:
        orgs.append(
            {
                "code": code,
                "name": f"深圳市罗湖区{name}街道办事处",
                "short": f"{name}街道",
                "kind": "street",
                "docs": rng.randint(2_000, 10_000),
            }
        )
    orgs[-1]["docs"] = 2_000  # the smallest 街道 (the "small organisation" of the tables)
    orgs[-2]["docs"] = 10_000
    rest = 500_000 - sum(org["docs"] for org in orgs)
    others = [org for org in orgs if org["kind"] == "department" and not org["docs"]]
    for i, org in enumerate(others):
        org["docs"] = rest // len(others) + (rest % len(others) if i == 0 else 0)
    for org in orgs:
        org["docs"] = max(1, round(org["docs"] * scale))
        # residents write to their 街道 most; departments get fewer
        org["weight"] = {"government": 3.0, "department": 1.0, "street": 2.0}[org["kind"]]
    return orgs


# -- the app ----------------------------------------------------------------------------


def make_app(url: str, scratch: Path, **extra: Any):
    from portal import create_app

    return create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": SECRET,
            "UPLOAD_DIR": str(scratch / "uploads"),
            "SEARCH_INDEX": str(scratch / "index"),
            "CONTENT_DIR": "/nonexistent",
            "ORG_CODE": HOME[0],
            "ORG_NAME": HOME[1],
            "ORG_SHORT_NAME": HOME[2],
            "ORG_CREDIT_CODE": credit_code(0),
            **extra,
        }
    )


def libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


# -- generation ---------------------------------------------------------------------------


class Meta:
    """Progress of the load, in a table of the bench database (not the portal's schema)."""

    def __init__(self, conn) -> None:
        self.conn = conn
        conn.execute(
            "CREATE TABLE IF NOT EXISTS bench_platform_meta (key text primary key, value jsonb)"
        )
        conn.commit()

    def get(self, key: str, default: Any = None) -> Any:
        row = self.conn.execute(
            "SELECT value FROM bench_platform_meta WHERE key = %s", (key,)
        ).fetchone()
        return default if row is None else row[0]

    def set(self, key: str, value: Any) -> None:
        self.conn.execute(
            "INSERT INTO bench_platform_meta VALUES (%s, %s) ON CONFLICT (key) DO UPDATE"
            " SET value = EXCLUDED.value",
            (key, json.dumps(value)),
        )
        self.conn.commit()


def reset_schema(url: str) -> None:
    import psycopg

    with psycopg.connect(libpq(url), autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")


def create_district(url: str, scratch: Path, orgs: list[dict[str, Any]]) -> None:
    """Migrations, then the organisations through the real service."""
    from flask_migrate import upgrade

    from portal.auth.actor import SYSTEM
    from portal.orgs import service

    app = make_app(url, scratch)
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        service.update(SYSTEM, HOME[0], kind="government", address="深圳市罗湖区文锦中路1008号")
        for n, org in enumerate(orgs[1:], start=1):
            service.create(
                SYSTEM,
                code=org["code"],
                name=org["name"],
                short_name=org["short"],
                kind=org["kind"],
                credit_code=credit_code(n),
                parent=HOME[0],
                sort=n,
                address=f"深圳市罗湖区{org['short']}办公楼{n}号",
                office_hours="周一至周五 9:00-12:00，14:00-18:00",
                phone=f"0755-2{n:03d}{n:04d}",
            )


def drop_constraints(conn) -> dict[str, list[str]]:
    """Drop the secondary indexes, unique and foreign-key constraints of the loaded tables;
    return the statements that make them again."""
    tables = list(LOADED_TABLES)
    constraints = conn.execute(
        "SELECT conrelid::regclass::text, conname, contype, pg_get_constraintdef(oid)"
        " FROM pg_constraint WHERE conrelid::regclass::text = ANY(%s) AND contype IN ('u', 'f')",
        (tables,),
    ).fetchall()
    indexes = conn.execute(
        "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s)"
        " AND schemaname = 'public' AND indexname NOT IN (SELECT conname FROM pg_constraint)",
        (tables,),
    ).fetchall()
    recreate = {
        "indexes": [row[2] for row in indexes],
        "unique": [
            f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d}' for t, n, c, d in constraints if c == "u"
        ],
        "foreign": [
            f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d}' for t, n, c, d in constraints if c == "f"
        ],
    }
    for table, name, _kind, _ in sorted(constraints, key=lambda row: row[2] != "f"):
        conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for _, name, _ in indexes:
        conn.execute(f'DROP INDEX "{name}"')
    conn.commit()
    return recreate


def restore_constraints(conn, recreate: dict[str, list[str]]) -> None:
    conn.execute("SET maintenance_work_mem = '1GB'")
    import psycopg

    for statement in recreate["indexes"] + recreate["unique"] + recreate["foreign"]:
        statement = statement.replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ")
        statement = statement.replace("CREATE UNIQUE INDEX ", "CREATE UNIQUE INDEX IF NOT EXISTS ")
        started = time.perf_counter()
        try:
            conn.execute(statement)
        except (psycopg.errors.DuplicateObject, psycopg.errors.DuplicateTable):
            conn.rollback()  # made before an interruption
            continue
        conn.commit()
        print(f"    {time.perf_counter() - started:6.1f} s  {statement[:110]}")
    for table in LOADED_TABLES:
        conn.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
            f" GREATEST((SELECT max(id) FROM {table}), 1))"
        )
    conn.commit()


def local_to_utc(moment: datetime) -> datetime:
    return moment - SHANGHAI_OFFSET  # naive local (Asia/Shanghai) to naive UTC, as stored


def random_moment(rng: random.Random, first: date = FIRST_DAY, last: date = LAST_DAY) -> datetime:
    """A naive local time on a day between ``first`` and ``last``, office hours."""
    day = first + timedelta(days=rng.randrange((last - first).days + 1))
    return datetime(day.year, day.month, day.day, rng.randint(8, 18), rng.randrange(60))


def plan_documents(orgs: list[dict[str, Any]]) -> list[tuple[datetime, int, str, int]]:
    """Every document as (local publication time, org index, kind, index_no serial), in
    order of publication (the order the publishing service would have written them)."""
    rng = random.Random(SEED + 1)
    others = [k for k in KIND_MIX if k != "news"]
    weights = [KIND_MIX[k] for k in others]
    plan = []
    for idx, org in enumerate(orgs):
        n = org["docs"]
        for j in range(n):
            kind = "news" if j < n * 0.8 else rng.choices(others, weights)[0]
            plan.append((random_moment(rng), idx, kind))
    plan.sort()
    serials: Counter[tuple[int, int]] = Counter()
    numbered = []
    for moment, idx, kind in plan:
        serials[idx, moment.year] += 1
        numbered.append((moment, idx, kind, serials[idx, moment.year]))
    return numbered


def load_documents(conn, app, orgs, plan, meta: Meta) -> None:
    from portal.documents import content_types
    from portal.markdown import render
    from tests.conftest import BASE_FIELDS

    pool = sentences()
    audit_base = meta.get("audit_base")
    extras = {}
    for kind in KIND_MIX:
        data = {"title": "标题", "topic": TOPICS[0], "body": "正文", **BASE_FIELDS[kind]}
        cleaned, errors = content_types.validate(kind, data)
        assert not errors, errors
        extras[kind] = cleaned["extra"]
    done = conn.execute("SELECT coalesce(max(id), 0) FROM document").fetchone()[0]
    started = time.perf_counter()
    for first in range(done, len(plan), CHUNK):
        rng = random.Random(SEED * 1000 + first)
        docs, revisions, changes, audits = [], [], [], []
        for i in range(first, min(first + CHUNK, len(plan))):
            moment, idx, kind, serial = plan[i]
            org = orgs[idx]
            doc_id = i + 1
            published = local_to_utc(moment)
            created = published - timedelta(minutes=rng.randint(5, 600))
            title = rng.choice(pool)[:60]
            summary = rng.choice(pool)[:120]
            body = "\n\n".join("。".join(rng.sample(pool, 4)) + "。" for _ in range(3))
            tags = rng.sample(TAGS, 2)
            topic = rng.choice(TOPICS)
            slug = f"{moment:%Y%m%d}-{doc_id:06x}"
            index_no = f"{org['credit_code']}/{moment.year}-{serial:05d}"
            extra = extras[kind]
            docs.append(
                (doc_id, org["id"], kind, slug, title, summary, body, render(body), org["name"],
                 index_no, topic, json.dumps(tags), json.dumps(extra), False, "published",
                 published, created, published)
            )  # fmt: skip
            snapshot = {
                "kind": kind,
                "slug": slug,
                "title": title,
                "summary": summary,
                "body": body,
                "publisher": org["name"],
                "index_no": index_no,
                "topic": topic,
                "tags": tags,
                "extra": extra,
                "illustrative": False,
                "status": "draft",
                "published_at": None,
                "attachments": [],
            }
            draft = json.dumps(snapshot)
            snapshot["status"] = "published"
            snapshot["published_at"] = moment.isoformat() + "+08:00"
            revisions.append((2 * doc_id - 1, doc_id, 1, "created", "bench", draft, created))
            revisions.append(
                (2 * doc_id, doc_id, 2, "published", "bench", json.dumps(snapshot), published)
            )
            changes.append((2 * doc_id - 1, doc_id, "created", created))
            changes.append((2 * doc_id, doc_id, "published", published))
            for n, action, at in ((1, "created", created), (2, "published", published)):
                detail = json.dumps({"revision": n, "title": title})
                audits.append(
                    (audit_base + 2 * doc_id - 2 + n, "bench", action, "document", doc_id,
                     detail, at, org["id"])
                )  # fmt: skip
        with conn.cursor() as cur:
            copy_rows(
                cur,
                "document (id, organisation_id, kind, slug, title, summary, body, body_html,"
                " publisher, index_no, topic, tags, extra, illustrative, status, published_at,"
                " created_at, updated_at)",
                docs,
            )
            copy_rows(
                cur,
                "document_revision (id, document_id, number, action, actor, snapshot, created_at)",
                revisions,
            )
            copy_rows(cur, "document_change (id, document_id, action, created_at)", changes)
            copy_rows(
                cur,
                "audit_record (id, actor, action, target_type, target_id, detail, created_at,"
                " organisation_id)",
                audits,
            )
        conn.commit()
        n = min(first + CHUNK, len(plan))
        rate = (n - done) / (time.perf_counter() - started)
        print(f"  documents {n:>8,} / {len(plan):,}  ({rate:,.0f}/s)", end="\r", flush=True)
    print()


def copy_rows(cur, target: str, rows: list[tuple]) -> None:
    with cur.copy(f"COPY {target} FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def weighted_orgs(rng: random.Random, orgs: list[dict[str, Any]], n: int) -> list[int]:
    return rng.choices(range(len(orgs)), [org["weight"] for org in orgs], k=n)


def load_messages(conn, orgs, total: int, code_hash: str) -> None:
    from portal.interaction.models import MESSAGE_CATEGORIES

    rng = random.Random(SEED + 2)
    moments = sorted(random_moment(rng, FIRST_DAY, LAST_DAY) for _ in range(total))
    owners = weighted_orgs(rng, orgs, total)
    serials: Counter[int] = Counter()
    numbers = []
    for moment in moments:
        serials[moment.year] += 1
        numbers.append(f"LY-{moment.year}-{serials[moment.year]:06d}")
    pool = sentences()
    done = conn.execute("SELECT coalesce(max(id), 0) FROM message").fetchone()[0]
    for first in range(done, total, CHUNK):
        rng = random.Random(SEED * 2000 + first)
        rows = []
        for i in range(first, min(first + CHUNK, total)):
            moment, org = moments[i], orgs[owners[i]]
            received = local_to_utc(moment)
            recent = (LAST_DAY - moment.date()).days < 14
            answered = rng.random() < (0.3 if recent else 0.97)
            subject = rng.choice(pool)[:30]
            content = "。".join(rng.sample(pool, 3)) + "。"
            consent = rng.random() < 0.6
            reply = replied = public = None
            published = False
            if answered:
                reply = "您好！" + "。".join(rng.sample(pool, 2)) + "。感谢您的来信。"
                replied = received + timedelta(days=rng.randint(1, 9), hours=rng.randint(0, 8))
                published = consent and rng.random() < 0.55
                public = (subject, content, reply) if published else (None, None, None)
            else:
                public = (None, None, None)
            rows.append(
                (i + 1, org["id"], numbers[i], code_hash, f"bench-m-{i + 1:07d}", subject,
                 content, rng.choice(MESSAGE_CATEGORIES), rng.choice(SURNAMES) + "先生",
                 f"13{rng.randrange(10**9):09d}", consent,
                 "answered" if answered else "received", False, received, reply,
                 org["short"] if answered else None, replied, published, *public, False)
            )  # fmt: skip
        with conn.cursor() as cur:
            copy_rows(
                cur,
                "message (id, organisation_id, tracking_no, code_hash, form_token, subject,"
                " content, category, name, contact, consent, status, quarantined, received_at,"
                " reply, reply_department, replied_at, published, public_subject,"
                " public_content, public_reply, is_example)",
                rows,
            )
        conn.commit()
        print(f"  messages {min(first + CHUNK, total):>8,} / {total:,}", end="\r", flush=True)
    print()


class _Event:
    def __init__(self, kind: str, day: date, outcome: str | None = None) -> None:
        self.kind, self.day, self.outcome = kind, day, outcome
        self.note = self.days = self.approver = None


def load_requests(conn, orgs, total: int, code_hash: str) -> None:
    from portal.interaction import calendar, clock

    rng = random.Random(SEED + 3)
    moments = sorted(random_moment(rng, FIRST_DAY, LAST_DAY) for _ in range(total))
    owners = weighted_orgs(rng, orgs, total)
    serials: Counter[int] = Counter()
    numbers = []
    for moment in moments:
        serials[moment.year] += 1
        numbers.append(f"YSQ-{moment.year}-{serials[moment.year]:06d}")
    pool = sentences()
    outcomes, weights = list(OUTCOME_MIX), list(OUTCOME_MIX.values())
    done = conn.execute("SELECT coalesce(max(id), 0) FROM info_request").fetchone()[0]
    for first in range(done, total, CHUNK):
        rng = random.Random(SEED * 3000 + first)
        rows, events = [], []
        for i in range(first, min(first + CHUNK, total)):
            moment, org = moments[i], orgs[owners[i]]
            request_id = i + 1
            received = local_to_utc(moment)
            day = moment.date()
            happened = [_Event("received", day)]
            closed_at = outcome = reply = None
            if (LAST_DAY - day).days > 30 or rng.random() < 0.3:
                outcome = rng.choices(outcomes, weights)[0]
                start = calendar.receipt_day(day)
                closed_on = min(calendar.due_date(start, limit=rng.randint(5, 20)), LAST_DAY)
                happened.append(_Event("closed", closed_on, outcome))
                closed_at = datetime.combine(closed_on, datetime.min.time()) + timedelta(hours=2)
                reply = "经审查，" + rng.choice(pool)[:80] + "。"
            state = clock.replay(happened)
            person = rng.random() < 0.8
            rows.append(
                (request_id, org["id"], numbers[i], code_hash, f"bench-r-{request_id:07d}",
                 "person" if person else "organisation", None if person else "商业企业",
                 rng.choice(SURNAMES) + ("某某" if person else "科技有限公司"),
                 f"13{rng.randrange(10**9):09d}", "申请公开" + rng.choice(pool)[:60] + "的相关信息",
                 "了解政策", "电子", "电子邮件", str(state.status), False, received,
                 state.starts, state.due, outcome, reply, closed_at)
            )  # fmt: skip
            for n, event in enumerate(happened):
                actor = "applicant" if event.kind == "received" else "bench"
                at = received if n == 0 else closed_at
                events.append(
                    (2 * request_id - 1 + n, request_id, event.kind, event.day, at, actor,
                     event.outcome)
                )  # fmt: skip
        with conn.cursor() as cur:
            copy_rows(
                cur,
                "info_request (id, organisation_id, tracking_no, code_hash, form_token,"
                " applicant_type, organisation_type, name, phone, description, purpose, medium,"
                " delivery, status, quarantined, received_at, receipt_date, due_date, outcome,"
                " reply, closed_at)",
                rows,
            )
            copy_rows(
                cur,
                "info_request_event (id, request_id, kind, day, created_at, actor, outcome)",
                events,
            )
        conn.commit()
        print(f"  requests {min(first + CHUNK, total):>8,} / {total:,}", end="\r", flush=True)
    print()


def generate(url: str, scratch: Path, scale: float, reuse: bool, fresh: bool) -> dict[str, Any]:
    """Build (or resume, or reuse) the district; returns what the report needs."""
    import psycopg
    from werkzeug.security import generate_password_hash

    orgs = district(scale)
    with psycopg.connect(libpq(url)) as conn:
        meta = Meta(conn)
        state, old_scale = meta.get("state"), meta.get("scale")
        reused = meta.get("report") if reuse and state == "done" and old_scale == scale else None
        resume = not fresh and state == "loading" and old_scale == scale
    if reused:
        print(f"Reusing the district in the database (scale {scale}).")
        reused["db_size"] = upgrade_reused(url, scratch)
        return reused
    started = time.perf_counter()
    if not resume:
        print(f"Generating a district at scale {scale} (migrations, 50 organisations) ...")
        reset_schema(url)
        create_district(url, scratch, orgs)
    else:
        print(f"Resuming the interrupted load at scale {scale} ...")
    app = make_app(url, scratch)
    with app.app_context():
        from portal.orgs import directory

        for org in orgs:
            found = directory.by_code(org["code"])
            org["id"], org["credit_code"] = found.id, found.credit_code
    with psycopg.connect(libpq(url)) as conn:
        meta = Meta(conn)
        if not resume:
            meta.set("scale", scale)
            meta.set("state", "loading")
            meta.set("recreate", drop_constraints(conn))
            base = conn.execute("SELECT coalesce(max(id), 0) FROM audit_record").fetchone()[0]
            meta.set("audit_base", base)
            meta.set("started", time.time())
        recreate = meta.get("recreate")
        plan = plan_documents(orgs)
        with app.app_context():
            load_documents(conn, app, orgs, plan, meta)
        code_hash = generate_password_hash("BENCH000")
        load_messages(conn, orgs, round(200_000 * scale), code_hash)
        load_requests(conn, orgs, round(20_000 * scale), code_hash)
        print("  recreating indexes and constraints ...")
        restore_constraints(conn, recreate)
        retally(app)
        vacuum_analyze(conn)
        seconds = time.perf_counter() - started
        sizes = {
            table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in (*LOADED_TABLES, "organisation")
        }
        db_size = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        report = {
            "scale": scale,
            "seconds": round(seconds, 1),
            "resumed": resume,
            "rows": sizes,
            "db_size": db_size.fetchone()[0],
            "orgs": [{k: org[k] for k in ("code", "kind", "docs", "id")} for org in orgs],
        }
        meta.set("report", report)
        meta.set("state", "done")
    check_equivalence(app)
    print(f"Generated in {seconds:.0f} s: {sizes}")
    return report


def retally(app) -> None:
    """What the publishing service keeps in step, for the rows the bulk load wrote."""
    from portal.documents import tally
    from portal.extensions import db

    started = time.perf_counter()
    with app.app_context():
        rows = tally.rebuild()
        db.session.commit()
    seconds = time.perf_counter() - started
    print(f"  tally.rebuild(): {rows} (organisation, kind) rows, {seconds:.1f} s")


def vacuum_analyze(conn) -> None:
    conn.commit()
    conn.autocommit = True
    started = time.perf_counter()
    # VACUUM too: a site that grew to this size has its visibility map set (index-only
    # scans for counts depend on it); a fresh COPY has not, until autovacuum comes by.
    conn.execute("VACUUM (ANALYZE)")
    print(f"  VACUUM (ANALYZE) {time.perf_counter() - started:.1f} s")
    conn.autocommit = False


def upgrade_reused(url: str, scratch: Path) -> str:
    """Bring a reused district to the newest migration (a migration that adds derived data
    fills it itself), VACUUM (ANALYZE), check the tally; returns the database size."""
    import psycopg
    from flask_migrate import upgrade

    app = make_app(url, scratch)
    with app.app_context():
        directory = app.extensions["migrate"].directory
        before = current_revision(url)
        started = time.perf_counter()
        upgrade(directory=directory)
        after = current_revision(url)
    if before != after:
        print(f"  upgraded {before} -> {after} in {time.perf_counter() - started:.1f} s")
    else:
        print(f"  schema at the newest migration ({after})")
    with psycopg.connect(libpq(url)) as conn:
        vacuum_analyze(conn)
        size = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        db_size = size.fetchone()[0]
    check_tally(app)
    return db_size


def current_revision(url: str) -> str | None:
    import psycopg

    with psycopg.connect(libpq(url)) as conn:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    return row[0] if row else None


def check_tally(app) -> None:
    """``document_tally`` equals a grouped count of the published documents."""
    import sqlalchemy as sa

    from portal.documents import tally
    from portal.documents.models import Document
    from portal.extensions import db

    with app.app_context():
        counted = {
            (org_id, kind): (count, newest)
            for org_id, kind, count, newest in db.session.execute(
                sa.select(
                    Document.organisation_id,
                    Document.kind,
                    sa.func.count(),
                    sa.func.max(Document.published_at),
                )
                .where(Document.status == "published")
                .group_by(Document.organisation_id, Document.kind)
            )
        }
        kept = {
            (org_id, kind): (count, newest)
            for org_id, kind, count, newest in tally.per_org_and_kind()
            if count
        }
    assert kept == counted, "document_tally differs from the documents: run tally.rebuild()"
    print(f"  document_tally matches the documents ({len(kept)} rows)")


def check_equivalence(app) -> None:
    """The stored 'published' snapshot equals ``publishing._snapshot`` of the reloaded
    document; ``body_html`` equals ``render(body)``; the index_no is the org's."""
    import sqlalchemy as sa

    from portal.documents import publishing
    from portal.documents.models import Document, DocumentRevision
    from portal.extensions import db
    from portal.markdown import render
    from portal.timeutil import SHANGHAI

    with app.app_context():
        for doc in db.session.scalars(sa.select(Document).order_by(Document.id).limit(3)):
            stored = db.session.scalar(
                sa.select(DocumentRevision.snapshot).where(
                    DocumentRevision.document_id == doc.id, DocumentRevision.number == 2
                )
            )
            fresh = publishing._snapshot(doc)
            # the service's in-memory published_at is the local time it was given
            fresh["published_at"] = doc.published_at.astimezone(SHANGHAI).isoformat()
            assert stored == fresh, (stored, fresh)
            assert doc.body_html == render(doc.body)
            assert doc.index_no.startswith(doc.organisation.credit_code + "/")
    check_tally(app)


# -- measuring ----------------------------------------------------------------------------


class Client:
    """One keep-alive HTTP connection with a cookie jar of one session cookie."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, body: str | None = None
    ) -> tuple[int, bytes, http.client.HTTPResponse]:
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return response.status, data, response

    def login(self, username: str, code: str = "") -> None:
        status, html, _ = self.request("GET", "/admin/login")
        token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', html).group(1).decode()
        form = {"csrf_token": token, "username": username, "password": PASSWORD, "code": code}
        status, _, _ = self.request("POST", "/admin/login", urllib.parse.urlencode(form))
        if status != 302:
            raise SystemExit(f"login of {username} failed: {status}")

    def close(self) -> None:
        self.conn.close()


def measure(client: Client, path: str, count: int) -> list[float] | int:
    """Milliseconds of ``count`` sequential requests after 20 warm-up ones; or the status."""
    timings = []
    for i in range(count + 20):
        started = time.perf_counter()
        status, _, _ = client.request("GET", path)
        elapsed = (time.perf_counter() - started) * 1000
        if status != 200:
            return status
        if i >= 20:
            timings.append(elapsed)
    return timings


def pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1]


def ensure_users(app, small: int, big: int) -> dict[str, str | None]:
    """A handler of the small and of the big office, and a platform admin (TOTP)."""
    import sqlalchemy as sa

    from portal.auth import accounts
    from portal.auth.models import User
    from portal.extensions import db

    secrets_: dict[str, str | None] = {}
    with app.app_context():
        for username, org_id in (("handler_small", small), ("handler_big", big)):
            user = db.session.scalar(sa.select(User).where(User.username == username))
            if user is None:
                user = accounts.create_user(
                    username, username, "handler", PASSWORD, totp=False, org_ids=[org_id]
                )
            secrets_[username] = None
        user = db.session.scalar(sa.select(User).where(User.username == "platform_admin"))
        if user is None:
            user = accounts.create_user(
                "platform_admin", "平台管理员", None, PASSWORD, totp=True, platform_admin=True
            )
        secrets_["platform_admin"] = user.totp_secret
    return secrets_


def totp(secret: str | None, last: dict[str, str] = {}) -> str:  # noqa: B006
    """A TOTP code not used before (the portal refuses a code twice)."""
    import pyotp

    if not secret:
        return ""
    while True:
        code = pyotp.TOTP(secret).now()
        if last.get(secret) != code:
            last[secret] = code
            return code
        time.sleep(1)


def pick_pages(app, small_code: str, big_code: str) -> dict[str, str]:
    """Paths of the pages measured, for the small and the big organisation."""
    import sqlalchemy as sa

    from portal.documents.models import Document
    from portal.extensions import db
    from portal.orgs import directory

    paths = {}
    with app.app_context():
        per_page = app.config["PAGE_SIZE"]
        for label, code in (("small", small_code), ("big", big_code)):
            org = directory.by_code(code)
            news = db.session.scalar(
                sa.select(sa.func.count())
                .select_from(Document)
                .where(
                    Document.organisation_id == org.id,
                    Document.kind == "news",
                    Document.status == "published",
                )
            )
            last = max(1, -(-news // per_page))
            deep = min(200, last)
            middle = db.session.execute(
                sa.select(Document.kind, Document.slug)
                .where(Document.organisation_id == org.id)
                .order_by(Document.id)
                .offset(news // 2)
                .limit(1)
            ).one()
            paths[f"org home ({label})"] = f"/org/{code}/"
            paths[f"list page 1 ({label})"] = f"/org/{code}/news/"
            paths[f"list page {deep} ({label})"] = f"/org/{code}/news/?page={deep}"
            paths[f"detail ({label})"] = f"/org/{code}/{middle.kind}/{middle.slug}"
            paths[f"api ?org= ({label})"] = f"/api/v1/documents?org={code}"
            paths[f"news count ({label})"] = str(news)
    return paths


def count_statements(app, paths: dict[str, str], users: dict[str, str | None]) -> list[tuple]:
    """Statements each page runs, in process through the test client (page cache off)."""
    import sqlalchemy as sa

    from portal.extensions import db

    statements: list[str] = []

    def before(conn, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    results = []
    clients = {None: app.test_client()}
    for username in users:
        client = app.test_client()
        token = re.search(
            r'name="csrf_token"[^>]*value="([^"]+)"',
            client.get("/admin/login").get_data(as_text=True),
        ).group(1)
        form = {"csrf_token": token, "username": username, "password": PASSWORD}
        form["code"] = totp(users[username])
        response = client.post("/admin/login", data=form)
        if response.status_code != 302:
            raise SystemExit(f"test-client login of {username} failed")
        clients[username] = client
    sa.event.listen(engine, "before_cursor_execute", before)
    try:
        for label, path, username in paths:
            client = clients[username]
            client.get(path)  # warm: per-process caches (organisations, templates)
            statements.clear()
            response = client.get(path)
            selects = sum(1 for s in statements if s.lstrip().upper().startswith("SELECT"))
            results.append((label, path, response.status_code, len(statements), selects))
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)
    return results


def worker_rss(master: int) -> list[tuple[int, int, int]]:
    """(pid, VmRSS kB, VmHWM kB) of each gunicorn worker of ``master``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if int(fields["PPid"]) == master:
            rss = int(fields["VmRSS"].split()[0])
            hwm = int(fields["VmHWM"].split()[0])
            found.append((int(entry.name), rss, hwm))
    return found


def serve(url: str, scratch: Path, port: int, workers: int, cache_mb: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "PORTAL_DATABASE_URL": url,
        "PORTAL_SECRET_KEY": SECRET,
        "PORTAL_UPLOAD_DIR": str(scratch / "uploads"),
        "PORTAL_SEARCH_INDEX": str(scratch / "serve-index"),
        "PORTAL_CONTENT_DIR": "/nonexistent",
        "PORTAL_PAGE_CACHE_MB": cache_mb,
        "PORTAL_ORG_CODE": HOME[0],
        "PORTAL_ORG_NAME": HOME[1],
        "PORTAL_ORG_SHORT_NAME": HOME[2],
        "PORTAL_ORG_CREDIT_CODE": credit_code(0),
    }
    return gunicorn("wsgi:app", port, env, workers)


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(timeout=30)


def run_latency(url, scratch, workers, requests, public, admin, users) -> tuple[list, list]:
    port = free_port()
    server = serve(url, scratch, port, workers, "0")
    rows = []
    try:
        client = Client(port)
        for label, path in public:
            result = measure(client, path, requests)
            rows.append((label, path, result))
            print(f"  {label:<32} {summarise(result)}")
        client.close()
        for label, path, username in admin:
            client = Client(port)
            client.login(username, totp(users[username]))
            result = measure(client, path, requests // 2)
            rows.append((label, path, result))
            print(f"  {label:<32} {summarise(result)}")
            client.close()
        rss = worker_rss(server.pid)
    finally:
        stop(server)
    return rows, rss


def summarise(result: list[float] | int) -> str:
    if isinstance(result, int):
        return f"HTTP {result}"
    return f"p50 {pct(result, 50):6.1f} ms  p95 {pct(result, 95):6.1f} ms"


def run_wrk(url, scratch, workers, seconds, connections, public) -> tuple[list[tuple], list]:
    app_port, floor_port = free_port(), free_port()
    server = serve(url, scratch, app_port, workers, "32")
    processes = [server]
    results = []
    try:
        env = dict(os.environ)
        with urllib.request.urlopen(f"http://127.0.0.1:{app_port}/") as response:
            (scratch / "home.html").write_bytes(response.read())
        floor_conf = scratch / "floor.conf.py"
        floor_conf.write_text(
            f"exec(open({str(ROOT / 'gunicorn.conf.py')!r}).read())\ndel when_ready, post_fork\n"
        )
        env.update(FLOOR_PAGE=str(scratch / "home.html"), PORTAL_SECRET_KEY=SECRET)
        processes.append(gunicorn("bench.floor_app:app", floor_port, env, workers, floor_conf))
        floor = wrk(floor_port, "/", seconds, connections)
        results.append(("framework floor (minimal Flask)", "/", *floor))
        print(f"  {'framework floor':<32} {floor[0]:>8.0f} req/s  p99 {floor[1]:.1f} ms")
        for label, path in public:
            rate, p99, errors = wrk(
                app_port, urllib.parse.quote(path, safe="/?=&"), seconds, connections
            )
            results.append((label, path, rate, p99, errors))
            print(f"  {label:<32} {rate:>8.0f} req/s  p99 {p99:.1f} ms  errors {errors}")
        rss = worker_rss(server.pid)
    finally:
        for process in processes:
            stop(process)
    return results, rss


# -- search at scale ---------------------------------------------------------------------


def measure_search(url: str, scratch: Path, sample: int) -> dict[str, Any]:
    """The portal's real rebuild over every k-th published document, and query latency on
    that index (results re-read from the full database)."""
    import sqlalchemy as sa

    from bench.search import QUERIES, whoosh_search
    from portal import search as portal_search
    from portal.documents.models import Document
    from portal.extensions import db
    from portal.search import analysis
    from portal.search import index as search_index

    shutil.rmtree(scratch / "index", ignore_errors=True)
    app = make_app(url, scratch)
    with app.app_context():
        total = db.session.scalar(
            sa.select(sa.func.count()).select_from(Document).where(Document.status == "published")
        )
    step = max(1, total // sample)
    original = search_index._published_in_batches

    def sampled(session, size: int = 500) -> Iterator[Document]:
        """``_published_in_batches`` restricted to every ``step``-th id (in SQL)."""
        last_id = 0
        while True:
            batch = list(
                session.scalars(
                    sa.select(Document)
                    .where(
                        Document.status == "published",
                        Document.id > last_id,
                        Document.id % step == 0,
                    )
                    .order_by(Document.id)
                    .limit(size)
                )
            )
            if not batch:
                return
            yield from batch
            last_id = batch[-1].id
            session.expunge_all()

    analysis.warm_up()
    search_index._published_in_batches = sampled
    try:
        with app.app_context():
            started = time.perf_counter()
            count = portal_search.rebuild()
            seconds = time.perf_counter() - started
    finally:
        search_index._published_in_batches = original
    index_dir = scratch / "index"
    size = sum(f.stat().st_size for f in index_dir.rglob("*") if f.is_file())
    rate = count / seconds
    print(
        f"  indexed {count:,} of {total:,} in {seconds:.1f} s ({rate:.0f} docs/s), "
        f"{size / 1e6:.0f} MB"
    )
    for q in QUERIES:  # warm-up pass
        whoosh_search(app, q, uncached=True)
    uncached, repeated = [], []
    for q in QUERIES:
        uncached.append(whoosh_search(app, q, uncached=True)[0])
        repeated.append(whoosh_search(app, q, uncached=False)[0])
    result = {
        "sample": count,
        "total": total,
        "seconds": seconds,
        "rate": rate,
        "mb": size / 1e6,
        "extrapolated_s": total / rate,
        "extrapolated_mb": size / 1e6 * total / count,
        "uncached": (pct(uncached, 50), pct(uncached, 95)),
        "repeated": (pct(repeated, 50), pct(repeated, 95)),
    }
    print(
        f"  uncached p50 {result['uncached'][0]:.1f} / p95 {result['uncached'][1]:.1f} ms; "
        f"repeated p50 {result['repeated'][0]:.1f} / p95 {result['repeated'][1]:.1f} ms; "
        f"rebuild of {total:,} extrapolated: {result['extrapolated_s'] / 60:.0f} min"
    )
    return result


# -- main ---------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=DEFAULT_URL, help="the bench database (never `test`)")
    parser.add_argument("--scale", type=float, default=1.0, help="0.02 for a quick trial")
    parser.add_argument("--reuse", action="store_true", help="keep a finished load of this scale")
    parser.add_argument("--fresh", action="store_true", help="do not resume an interrupted load")
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--search-sample", type=int, default=10_000)
    args = parser.parse_args()
    if urllib.parse.urlparse(args.url).path.strip("/") == "test":
        raise SystemExit("the database `test` belongs to the test suite: use another")
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")

    scratch = Path(tempfile.mkdtemp(prefix="portal-platform-"))
    report = generate(args.url, scratch, args.scale, args.reuse, args.fresh)
    orgs = report["orgs"]
    small = min((o for o in orgs if o["kind"] == "street"), key=lambda o: o["docs"])
    big = max(orgs, key=lambda o: o["docs"])
    app = make_app(args.url, scratch, PAGE_CACHE_MB=0)
    users = ensure_users(app, small["id"], big["id"])
    pages = pick_pages(app, small["code"], big["code"])
    news = {"small": pages.pop("news count (small)"), "big": pages.pop("news count (big)")}
    print(f"small: {small['code']} ({small['docs']:,} documents, {news['small']} news); "
          f"big: {big['code']} ({big['docs']:,} documents, {news['big']} news)")  # fmt: skip

    def pick(*labels: str) -> list[tuple[str, str]]:
        return [(label, pages[label]) for label in pages if label.startswith(labels)]

    public = [("static file (baseline)", "/static/css/site.css"), ("root home /", "/")]
    public += pick("org home")
    public += [(label, path) for label, path in pick("list", "detail") if "(big)" in label]
    public += [("/orgs/", "/orgs/")]
    public += [(label, path) for label, path in pick("api") if "(big)" in label]
    admin = [
        ("admin inbox (small office)", "/admin/messages/", "handler_small"),
        ("admin inbox (big office)", "/admin/messages/", "handler_big"),
        ("supervision (platform admin)", "/admin/supervision", "platform_admin"),
    ]

    print("SQL statements per page (in process, page cache off) ...")
    stmt_pages = [("root home /", "/", None), ("/orgs/", "/orgs/", None)]
    stmt_pages += [(label, path, None) for label, path in pages.items()]
    stmt_pages += admin
    statements = count_statements(app, stmt_pages, users)
    for label, path, status, total, selects in statements:
        print(f"  {label:<32} HTTP {status}  {total} statements ({selects} SELECT)  {path}")

    print(f"Sequential latency, gunicorn -w {args.workers}, page cache off ...")
    latency, rss_uncached = run_latency(
        args.url, scratch, args.workers, args.requests, public, admin, users
    )
    print(f"wrk -c{args.connections} -d{args.seconds}s, page cache on ...")
    wrk_public = [row for row in public if not row[0].startswith("static")]
    throughput, rss_cached = run_wrk(
        args.url, scratch, args.workers, args.seconds, args.connections, wrk_public
    )
    search = None
    if args.search_sample:
        print(f"Search: rebuild over a sample of {args.search_sample:,} ...")
        search = measure_search(args.url, scratch, args.search_sample)

    print_report(args, report, news, small, big, statements, latency, throughput,
                 rss_uncached, rss_cached, search)  # fmt: skip
    shutil.rmtree(scratch, ignore_errors=True)


def print_report(args, report, news, small, big, statements, latency, throughput,
                 rss_uncached, rss_cached, search) -> None:  # fmt: skip
    import psycopg

    with psycopg.connect(libpq(args.url)) as conn:
        pg_version = conn.execute("SHOW server_version").fetchone()[0]
    mem = int(Path("/proc/meminfo").read_text().split()[1]) / 1024 / 1024
    print()
    print(
        f"Machine: {platform_.machine()}, {os.cpu_count()} cores, {mem:.0f} GiB, Python "
        f"{platform_.python_version()}, PostgreSQL {pg_version.split()[0]}, {date.today()}; "
        f"gunicorn -c gunicorn.conf.py -w {args.workers}, scale {report['scale']}"
    )
    rows = report["rows"]
    print(
        f"District: {rows['organisation']} organisations, {rows['document']:,} documents, "
        f"{rows['document_revision']:,} revisions, {rows['document_change']:,} change-log rows, "
        f"{rows['audit_record']:,} audit rows, {rows['message']:,} messages, "
        f"{rows['info_request']:,} requests ({rows['info_request_event']:,} events); database "
        f"{report['db_size']}; generated in {report['seconds']:.0f} s"
        + (" (resumed)" if report["resumed"] else "")
    )
    print(
        f"Small organisation: {small['code']} ({small['docs']:,} documents, {news['small']} "
        f"news); big: {big['code']} ({big['docs']:,} documents, {news['big']} news)"
    )
    print()
    print("| page | p50 ms | p95 ms | target | met |")
    print("|---|---|---|---|---|")
    for label, path, result in latency:
        admin = label.startswith(("admin", "supervision"))
        target = "" if label.startswith("static") else ("≤ 100" if admin else "≤ 30")
        if isinstance(result, int):
            print(f"| {label} `{path}` | HTTP {result} | | {target} | not measured |")
            continue
        p95 = pct(result, 95)
        met = "" if not target else ("yes" if p95 <= (100 if admin else 30) else "**no**")
        print(f"| {label} `{path}` | {pct(result, 50):.1f} | {p95:.1f} | {target} | {met} |")
    print()
    floor = throughput[0][2]
    print("| wrk, page cache on | req/s | p99 ms | errors | ratio | met (≥ 0.7) |")
    print("|---|---|---|---|---|---|")
    for label, path, rate, p99, errors in throughput:
        ratio = rate / floor
        met = "" if label.startswith("framework") else ("yes" if ratio >= 0.7 else "**no**")
        print(f"| {label} `{path}` | {rate:,.0f} | {p99:.1f} | {errors} | {ratio:.2f} | {met} |")
    print()
    for name, rss in (("page cache off", rss_uncached), ("page cache on, after wrk", rss_cached)):
        shown = ", ".join(f"{r / 1024:.0f} MB (peak {h / 1024:.0f})" for _, r, h in rss)
        print(f"Worker RSS, {name}: {shown}")
    print()
    print("| page | path | HTTP | statements | of which SELECT |")
    print("|---|---|---|---|---|")
    for label, path, status, total, selects in statements:
        print(f"| {label} | `{path}` | {status} | {total} | {selects} |")
    if search:
        print()
        print(
            f"Search (measured on a sample): portal.search.rebuild indexed {search['sample']:,} "
            f"of {search['total']:,} documents in {search['seconds']:.0f} s "
            f"({search['rate']:.0f} docs/s, {search['mb']:.0f} MB); extrapolated to all: "
            f"{search['extrapolated_s'] / 60:.0f} min, {search['extrapolated_mb']:.0f} MB. "
            f"Queries on the sample index: uncached p50 {search['uncached'][0]:.1f} / p95 "
            f"{search['uncached'][1]:.1f} ms, repeated p50 {search['repeated'][0]:.1f} / p95 "
            f"{search['repeated'][1]:.1f} ms."
        )


if __name__ == "__main__":
    main()
