"""Dead links and missing attachments of published documents (the inspection rules count
链接不可用 and 附件无法下载 against a site): ``flask --app app check links``.

Internal links are followed through the portal itself (a request to the app, no network):
a page that answers 4xx/5xx, after redirects, is broken. Attachments are checked on disk.
External links are checked only when asked (``external=True``): one HEAD request each (GET
when a server refuses HEAD), with a timeout and a bound on how many. Each run replaces the
stored problems of the organisations it checked, which the dashboard and the supervision
view count and ``/admin/links`` lists (``latest``: each organisation one may see).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import SplitResult, urljoin, urlsplit

import requests
import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload
from werkzeug.sansio.utils import host_is_trusted

from portal.auth.actor import Actor, Permission
from portal.database import unit_of_work
from portal.documents.models import Document, LinkCheck, LinkProblem
from portal.errors import NotAuthorized
from portal.extensions import db
from portal.orgs import directory
from portal.orgs.directory import Org
from portal.states import DocumentStatus
from portal.timeutil import utcnow

log = logging.getLogger(__name__)

TIMEOUT = 5.0  # seconds per external request
MAX_EXTERNAL = 300  # distinct external URLs checked per run
MAX_REDIRECTS = 5
USER_AGENT = "PortalLinkCheck/1.0 (+government website link check)"
BATCH = 200  # documents read at a time
# How each finding begins (``latest`` tells internal, external and attachments apart by it).
INTERNAL = "站内链接打不开"
EXTERNAL = "外部链接"
MISSING_FILE = "附件文件缺失"
#: Who sees an organisation's findings: those who fix its documents, those who supervise it.
VIEWERS = (Permission.WRITE_DOCUMENTS, Permission.SUPERVISE)


@dataclass(frozen=True)
class Problem:
    organisation_id: int
    document_id: int
    url: str
    problem: str


@dataclass
class Report:
    links: int = 0
    by_org: dict[int, int] = field(default_factory=dict)  # links checked per organisation
    external_skipped: int = 0  # external links not checked (not asked, or over the bound)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def count(self, org_id: int) -> None:
        self.links += 1
        self.by_org[org_id] = self.by_org.get(org_id, 0) + 1


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = {"a": "href", "img": "src"}.get(tag)
        for name, value in attrs:
            if name == wanted and value and value.strip():
                self.found.append(value.strip())


def links_in(html: str) -> list[str]:
    """The link targets and image sources of a rendered body, in order, each once."""
    parser = _Links()
    parser.feed(html or "")
    return list(dict.fromkeys(parser.found))


@dataclass(frozen=True)
class _Doc:
    id: int
    organisation_id: int
    url: str
    body_html: str
    attachments: tuple[tuple[str, str, str], ...]  # (title, url, stored name)


def _batches(org_id: int | None) -> Iterator[list[_Doc]]:
    """The published documents of ``org_id`` (None: all), a batch at a time in id order;
    no transaction stays open while a batch's links are checked."""
    last = 0
    while True:
        query = (
            sa.select(Document)
            .where(Document.status == DocumentStatus.PUBLISHED, Document.id > last)
            .options(selectinload(Document.attachments))
            .order_by(Document.id)
            .limit(BATCH)
        )
        if org_id is not None:
            query = query.where(Document.organisation_id == org_id)
        with current_app.test_request_context():
            batch = [
                _Doc(
                    doc.id,
                    doc.organisation_id,
                    doc.url,
                    doc.body_html or "",
                    tuple((a.title, a.url, a.stored_name) for a in doc.attachments),
                )
                for doc in db.session.scalars(query)
            ]
        db.session.rollback()
        if not batch:
            return
        yield batch
        last = batch[-1].id


def _is_own(url: SplitResult) -> bool:
    """Whether an absolute link is to the portal itself: a host it answers to
    (``TRUSTED_HOSTS``: ``PORTAL_ALLOWED_HOSTS``, ``PORTAL_BASE_URL``'s) on the default
    port (another port is another service)."""
    host = (url.hostname or "").lower()
    trusted = current_app.config.get("TRUSTED_HOSTS")
    if not host or url.port not in (None, 80, 443):
        return False
    return trusted is not None and host_is_trusted(host, trusted)


def _internal_status(path: str) -> int:
    """The status the portal answers ``path`` with, after its own redirects."""
    client = current_app.test_client()
    for _ in range(MAX_REDIRECTS):
        with client.get(path) as response:  # an attachment's file is closed again
            status = response.status_code
            location = response.headers.get("Location", "")
        if status not in (301, 302, 303, 307, 308):
            return status
        target = urlsplit(urljoin(path, location))
        if target.netloc and not _is_own(target):
            return 200  # sent elsewhere on purpose
        path = target.path + (f"?{target.query}" if target.query else "")
    return 310  # a redirect loop


def _external_problem(session: requests.Session, url: str) -> str | None:
    try:
        response = session.head(url, timeout=TIMEOUT, allow_redirects=True)
        if response.status_code in (403, 405, 501):  # some servers refuse HEAD
            response = session.get(url, timeout=TIMEOUT, allow_redirects=True, stream=True)
            response.close()
    except requests.RequestException as exc:
        return f"{EXTERNAL}无法访问（{type(exc).__name__}）"
    if response.status_code >= 400:
        return f"{EXTERNAL}打不开（{response.status_code}）"
    return None


def check(
    org_id: int | None = None,
    *,
    external: bool = False,
    session: requests.Session | None = None,
) -> Report:
    """Check every published document of ``org_id`` (None: of every organisation) and
    store what is broken, replacing the last check's findings of those organisations."""
    report = Report()
    http = session or requests.Session()
    http.headers["User-Agent"] = USER_AGENT
    try:
        internal: dict[str, str | None] = {}  # path → problem, once per run
        outside: dict[str, str | None] = {}  # URL → problem, at most MAX_EXTERNAL
        for batch in _batches(org_id):
            _check_documents(batch, report, internal, outside, external=external, http=http)
    finally:
        if session is None:
            http.close()
    _store(report, org_id, external)
    return report


def _check_documents(
    docs: list[_Doc],
    report: Report,
    internal: dict[str, str | None],
    outside: dict[str, str | None],
    *,
    external: bool,
    http: requests.Session,
) -> None:
    upload_dir = Path(current_app.config["UPLOAD_DIR"])
    for doc in docs:
        for title, url, stored in doc.attachments:
            report.count(doc.organisation_id)
            if not (upload_dir / stored).is_file():
                report.problems.append(
                    Problem(doc.organisation_id, doc.id, url, f"{MISSING_FILE}：{title}"[:200])
                )
        for href in links_in(doc.body_html):
            target = urlsplit(urljoin(doc.url, href))
            if target.scheme not in ("http", "https", ""):
                continue  # mailto:, tel:
            if not target.path and not target.netloc:
                continue  # #anchor on the page itself
            absolute = target.geturl()
            if not target.netloc or _is_own(target):
                path = target.path or "/"
                key = path + (f"?{target.query}" if target.query else "")
                if key not in internal:
                    status = _internal_status(key)
                    internal[key] = f"{INTERNAL}（{status}）" if status >= 400 else None
                problem = internal[key]
            elif not external or (absolute not in outside and len(outside) >= MAX_EXTERNAL):
                report.external_skipped += 1
                continue
            else:
                if absolute not in outside:
                    outside[absolute] = _external_problem(http, absolute)
                problem = outside[absolute]
            report.count(doc.organisation_id)
            if problem:
                report.problems.append(Problem(doc.organisation_id, doc.id, href[:2000], problem))


def _store(report: Report, org_id: int | None, external: bool) -> None:
    checked = [org_id] if org_id is not None else [org.id for org in directory.all_orgs()]
    now = utcnow()
    broken: dict[int, int] = {}
    for problem in report.problems:
        broken[problem.organisation_id] = broken.get(problem.organisation_id, 0) + 1
    with unit_of_work():
        db.session.execute(sa.delete(LinkProblem).where(LinkProblem.organisation_id.in_(checked)))
        db.session.add_all(
            LinkProblem(
                organisation_id=p.organisation_id,
                document_id=p.document_id,
                url=p.url,
                problem=p.problem,
            )
            for p in report.problems
        )
        for oid in checked:
            row = db.session.get(LinkCheck, oid) or LinkCheck(organisation_id=oid)
            row.checked_at, row.external = now, external
            row.links, row.broken = report.by_org.get(oid, 0), broken.get(oid, 0)
            db.session.add(row)


def problems(org_ids: Iterable[int]) -> list[LinkProblem]:
    """The stored findings of ``org_ids``, by organisation and document."""
    return list(
        db.session.scalars(
            sa.select(LinkProblem)
            .where(LinkProblem.organisation_id.in_(list(org_ids)))
            .order_by(LinkProblem.organisation_id, LinkProblem.document_id, LinkProblem.id)
        )
    )


@dataclass(frozen=True)
class Finding:
    """A dead link or missing attachment, as the list of findings shows it."""

    document_id: int
    title: str
    url: str
    problem: str

    @property
    def where(self) -> str:
        """站内链接, 外部链接 or 附件."""
        if self.problem.startswith(MISSING_FILE):
            return "附件"
        return "外部链接" if self.problem.startswith(EXTERNAL) else "站内链接"


@dataclass(frozen=True)
class OrgFindings:
    """The last check of one organisation (``checked_at`` None: never checked)."""

    org: Org
    checked_at: datetime | None
    external: bool  # external links were checked too
    links: int
    findings: list[Finding]
    may_edit: bool  # the actor may change its published documents (a reviewer)
    may_open: bool  # the actor may open them in the back office (an editor)


def latest(actor: Actor) -> list[OrgFindings]:
    """The last check of each organisation whose documents ``actor`` writes or reviews, or
    which they supervise, with what it found, in the directory's order (two statements)."""
    orgs = [org for org in directory.all_orgs() if any(actor.may(p, org.id) for p in VIEWERS)]
    if not orgs:
        raise NotAuthorized(f"{actor.name} may not see the link checks")
    ids = [org.id for org in orgs]
    checks = {
        row.organisation_id: row
        for row in db.session.scalars(
            sa.select(LinkCheck).where(LinkCheck.organisation_id.in_(ids))
        )
    }
    found: dict[int, list[Finding]] = {}
    for org_id, doc_id, title, url, problem in db.session.execute(
        sa.select(
            LinkProblem.organisation_id,
            LinkProblem.document_id,
            Document.title,
            LinkProblem.url,
            LinkProblem.problem,
        )
        .join(Document, Document.id == LinkProblem.document_id)
        .where(LinkProblem.organisation_id.in_(ids))
        .order_by(LinkProblem.organisation_id, LinkProblem.document_id, LinkProblem.id)
    ).tuples():
        found.setdefault(org_id, []).append(Finding(doc_id, title, url, problem))
    result = []
    for org in orgs:
        check = checks.get(org.id)
        result.append(
            OrgFindings(
                org,
                check.checked_at if check else None,
                bool(check and check.external),
                check.links if check else 0,
                found.get(org.id, []),
                may_edit=actor.may(Permission.REVIEW_DOCUMENTS, org.id),
                may_open=actor.may(Permission.WRITE_DOCUMENTS, org.id),
            )
        )
    return result
