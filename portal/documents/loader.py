"""Load ``content/<kind>/*.md`` (YAML front matter + Markdown) through the publishing service.

Each file is loaded in its own transaction: a bad file is reported with one line naming
the file and the field, nothing of it is written, and every good file still loads. A file
whose bytes (and attachments) have not changed since the last load is left alone, so a
second run reports 0 created and 0 updated.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml

from portal.auth.actor import SYSTEM, Actor
from portal.database import unit_of_work
from portal.documents import content_types, filing, publishing
from portal.documents.models import Document
from portal.errors import InvalidTransition, ValidationError
from portal.extensions import db
from portal.orgs import directory
from portal.timeutil import local_date

#: The content loader acts as the portal itself, under the name its revisions carry.
ACTOR = Actor("content-loader", SYSTEM.everywhere)
CONTROL_KEYS = {
    "slug",
    "published_at",
    "status",
    "withdrawn_reason",
    "illustrative",
    "attachments",
    "organisation",
    "catalog",
}


class _FrontMatterLoader(yaml.SafeLoader):
    """Safe YAML that leaves dates as strings, so a bad date is reported with its field."""


_FrontMatterLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class LoadError(Exception):
    """A content file cannot be loaded; the message names the field."""


@dataclass
class LoadReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"created {self.created}, updated {self.updated}, "
            f"unchanged {self.unchanged}, failed {self.failed}"
        )


@dataclass
class ParsedFile:
    org_id: int
    kind: str
    slug: str
    data: dict[str, Any]
    body: str
    status: str
    published_at: Any
    withdrawn_reason: str | None
    illustrative: bool
    attachments: list[publishing.AttachmentFile]
    source_hash: str
    #: keys of catalogue columns ([]: by its kind; None, no such key: as it is filed now)
    catalog: tuple[str, ...] | None = None


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """Return ``(front_matter, body)``; raises ``LoadError`` on missing or broken YAML."""
    text = text.lstrip("\ufeff")
    if not text.startswith("---"):
        raise LoadError("缺少 YAML 头部（文件须以 --- 开始）")
    parts = text.split("\n---", 1)
    if len(parts) != 2:
        raise LoadError("YAML 头部没有结束行 ---")
    header = parts[0][3:]
    body = parts[1].split("\n", 1)[1] if "\n" in parts[1] else ""
    try:
        meta = (
            yaml.load(header, Loader=_FrontMatterLoader) or {}
        )  # _FrontMatterLoader is a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第 {mark.line + 2} 行" if mark is not None else ""
        raise LoadError(f"YAML 格式错误{where}：{getattr(exc, 'problem', exc)}") from None
    if not isinstance(meta, dict):
        raise LoadError("YAML 头部应为键值对")
    return meta, body.strip() + "\n"


def parse_file(path: Path, root: Path) -> ParsedFile:
    """Read one content file into what the publishing service needs."""
    kind = path.parent.name
    if kind not in content_types.REGISTRY:
        raise LoadError(f"未知的信息类型目录 {kind}（可用：{'、'.join(content_types.REGISTRY)}）")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise LoadError("文件不是 UTF-8 编码") from None
    meta, body = split_front_matter(text)
    content_type = content_types.get(kind)
    known = (
        CONTROL_KEYS | {f.name for f in content_types.COMMON_FIELDS} | set(content_type.field_names)
    )
    unknown = sorted(str(k) for k in meta if k not in known)
    if unknown:
        raise LoadError(f"字段 {unknown[0]}：{content_type.label}没有这个字段")
    org_id = _organisation(meta.get("organisation"))
    slug = meta.get("slug", path.stem)
    try:
        slug = content_types.clean_slug(slug)
    except content_types.FieldError as exc:
        raise LoadError(f"字段 slug：{exc}") from None

    status = meta.get("status", "published")
    if status not in content_types.STATUSES:
        raise LoadError(f"字段 status：应为 {'、'.join(content_types.STATUSES)} 之一")
    published_at = None
    if status in {"published", "withdrawn"}:
        if meta.get("published_at") in (None, ""):
            raise LoadError("字段 published_at（发布日期）：必填")
        try:
            published_at = content_types.clean_datetime(meta["published_at"])
        except content_types.FieldError as exc:
            raise LoadError(f"字段 published_at（发布日期）：{exc}") from None
    reason = meta.get("withdrawn_reason")
    if status == "withdrawn" and not reason:
        raise LoadError("字段 withdrawn_reason（撤回原因）：已撤回的信息必须说明原因")
    illustrative = meta.get("illustrative", False)
    if not isinstance(illustrative, bool):
        raise LoadError("字段 illustrative：应为 true 或 false")

    catalog = meta.get("catalog")
    if catalog is not None and (
        not isinstance(catalog, list) or not all(isinstance(key, str) for key in catalog)
    ):
        raise LoadError("字段 catalog（公开目录）：应为栏目标识的列表")

    hasher = hashlib.sha256(raw)
    attachments: list[publishing.AttachmentFile] = []
    items = meta.get("attachments") or []
    if not isinstance(items, list):
        raise LoadError("字段 attachments：应为列表")
    for number, item in enumerate(items, 1):
        if not isinstance(item, dict) or not item.get("file") or not item.get("title"):
            raise LoadError(f"字段 attachments 第 {number} 项：需要 title 和 file")
        file_path = (root / str(item["file"])).resolve()
        if not file_path.is_relative_to(root.resolve()) or not file_path.is_file():
            raise LoadError(f"字段 attachments 第 {number} 项：找不到文件 {item['file']}")
        hasher.update(file_path.read_bytes())
        attachments.append(publishing.AttachmentFile(title=str(item["title"]), path=file_path))

    data = {k: v for k, v in meta.items() if k not in CONTROL_KEYS}
    data["body"] = body
    if kind == "faq" and not data.get("title") and data.get("question"):
        data["title"] = data["question"]
    _, errors = content_types.validate(kind, data)
    if errors:
        name, message = next(iter(errors.items()))
        raise LoadError(f"字段 {name}（{message.split('：', 1)[0]}）：{message.split('：', 1)[-1]}")
    return ParsedFile(
        org_id=org_id,
        kind=kind,
        slug=slug,
        data=data,
        body=body,
        status=status,
        published_at=published_at,
        withdrawn_reason=reason,
        illustrative=illustrative,
        attachments=attachments,
        source_hash=hasher.hexdigest(),
        catalog=None if catalog is None else tuple(catalog),
    )


def _catalog(parsed: ParsedFile) -> list[int] | None:
    """The ids of the catalogue nodes a file names (its organisation's tree made first)."""
    if not parsed.catalog:
        return None if parsed.catalog is None else []
    filing.ensure(parsed.org_id)
    ids = {node.key: node.id for node in filing.nodes(parsed.org_id)}
    unknown = [key for key in parsed.catalog if key not in ids]
    if unknown:
        raise LoadError(f"字段 catalog（公开目录）：没有标识为 {unknown[0]} 的栏目")
    return [ids[key] for key in parsed.catalog]


def _organisation(code: Any) -> int:
    """The organisation a file names with ``organisation: CODE`` (default: the home one)."""
    if code is None or code == "":
        return directory.home().id
    org = directory.by_code(str(code))
    if org is None:
        raise LoadError(f"字段 organisation（所属单位）：没有代码为 {code} 的单位")
    return org.id


def _apply_status(doc: Document, parsed: ParsedFile) -> None:
    if parsed.status == "in_review" and doc.status == "draft":
        publishing.submit(doc, actor=ACTOR)
    if parsed.status in {"published", "withdrawn"} and doc.status in {"draft", "in_review"}:
        publishing.publish(doc, actor=ACTOR, published_at=parsed.published_at)
    if parsed.status == "withdrawn" and doc.status == "published":
        publishing.withdraw(doc, reason=parsed.withdrawn_reason or "", actor=ACTOR)


def load_file(parsed: ParsedFile) -> str:
    """Create or update one document; returns 'created', 'updated' or 'unchanged'."""
    doc = db.session.scalar(
        sa.select(Document).where(
            Document.organisation_id == parsed.org_id,
            Document.kind == parsed.kind,
            Document.slug == parsed.slug,
        )
    )
    if doc is not None and doc.source_hash == parsed.source_hash:
        return "unchanged"
    if doc is None:
        doc = publishing.create(
            parsed.kind,
            parsed.slug,
            parsed.data,
            actor=ACTOR,
            illustrative=parsed.illustrative,
            attachments=parsed.attachments,
            source_hash=parsed.source_hash,
            index_year=local_date(parsed.published_at).year if parsed.published_at else None,
            org_id=parsed.org_id,
            catalog=_catalog(parsed),
        )
        outcome = "created"
    else:
        if doc.status == "withdrawn":
            raise LoadError("该信息已撤回，不能再由内容文件修改")
        publishing.update(
            doc,
            parsed.data,
            actor=ACTOR,
            illustrative=parsed.illustrative,
            attachments=parsed.attachments,
            source_hash=parsed.source_hash,
            published_at=parsed.published_at,
            note="内容文件已更新",
            catalog=_catalog(parsed),
        )
        outcome = "updated"
    _apply_status(doc, parsed)
    return outcome


def load_directory(root: Path) -> LoadReport:
    """Load every ``<kind>/*.md`` below ``root``; one bad file never stops the others.

    Derived stores (the search index) are brought up to date once, after the last file.
    """
    with publishing.batch():
        return _load_all(root)


def _load_all(root: Path) -> LoadReport:
    report = LoadReport()
    seen: dict[tuple[int, str, str], Path] = {}
    for path in sorted(root.glob("*/*.md")):
        relative = path.relative_to(root.parent)
        try:
            parsed = parse_file(path, root)
            key = (parsed.org_id, parsed.kind, parsed.slug)
            if key in seen:
                raise LoadError(f"字段 slug：与 {seen[key].name} 重复（{parsed.slug}）")
            seen[key] = path
            with unit_of_work():  # the file's create/update and status change, together
                outcome = load_file(parsed)
        except (LoadError, ValidationError, InvalidTransition) as exc:
            report.failed += 1
            if isinstance(exc, ValidationError):
                message = "；".join(exc.errors.values())
            else:
                message = str(exc)
            report.errors.append(f"{relative}: {message}")
            continue
        setattr(report, outcome, getattr(report, outcome) + 1)
    return report
