"""What the open-data exports contain: their columns and the records that fill them.

Each export is a list of columns (English name, Chinese label, meaning) filled from
records read with ``yield_per`` from a column-only query, so bodies are never loaded and
10,000+ rows never sit in memory as objects. Only what the public lists show is
exported: published documents (withdrawn, draft and in-review ones never) with their
kind's public registry fields, and answered messages staff made public, with their
masked subject, content and reply only (never the submitter's name or contact).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import url_for

from portal.documents import content_types
from portal.documents.models import Document
from portal.interaction import deadlines
from portal.interaction.models import MESSAGE_CATEGORIES, Message
from portal.orgs import directory
from portal.orgs.models import Organisation
from portal.states import MessageStatus
from portal.timeutil import to_local, utcnow
from portal.web.urls import absolute

FORMATS = {"csv": "text/csv; charset=utf-8", "json": "application/json; charset=utf-8"}
FORMAT_LABELS = {"csv": "CSV", "json": "JSON"}
BATCH = 500  # rows fetched, and encoded, at a time
LICENSE = (
    "可自由复制、使用和传播（包括商业用途），无需申请授权，请注明来源“{org}”。"
    "数据不含个人信息：网友留言只包含经遮盖处理后公开的内容，不含留言人姓名和联系方式；"
    "执法公示中的自然人当事人只显示姓氏。"
)

Record = dict[str, str]
# Made in a request (it may need url_for), a reader then needs no Flask context at all:
# it reads through the connection it is given, so a stream can outlive the request.
Reader = Callable[[sa.Connection], Iterator[Record]]


@dataclass(frozen=True)
class Column:
    """One exported field: key in JSON, header in CSV, meaning on the open-data page."""

    name: str
    label: str
    description: str


@dataclass(frozen=True)
class Export:
    """One downloadable dataset: its columns and where its records come from."""

    name: str  # "all", a kind, or "messages"
    title: str
    description: str
    columns: tuple[Column, ...]
    reader: Callable[[], Reader]
    own_columns: tuple[Column, ...] = ()  # described under the dataset on the open-data page


# -- columns ------------------------------------------------------------------------------

_TYPE_MEANINGS = {
    "text": "文字",
    "markdown": "文字",
    "date": "日期，格式 YYYY-MM-DD",
    "int": "整数",
    "decimal": "数字，保留两位小数",
    "bool": "“是”或“否”（空即否）",
}
# What the registry cannot say by itself about a field's published value.
_NOTES = {"party": "单位写全称；自然人只显示姓氏（如“张某”）"}


def describe(fld: content_types.Field) -> str:
    """The meaning of a registry field for the field table: type, choices, whether required."""
    if fld.type == "choice":
        meaning = "取值之一：" + "、".join(fld.choices)
    else:
        meaning = _TYPE_MEANINGS.get(fld.type, "文字")
    parts = [meaning, _NOTES.get(fld.name, ""), "必填" if fld.required else "可为空"]
    return "；".join(p for p in parts if p)


def _public_fields(kinds: list[content_types.ContentType]) -> list[content_types.Field]:
    """The kinds' public registry fields (never ``public=False`` ones), each name once."""
    seen: dict[str, content_types.Field] = {}
    for ct in kinds:
        for fld in ct.fields:
            if fld.public:
                seen.setdefault(fld.name, fld)
    return list(seen.values())


def _field_columns(fields: list[content_types.Field]) -> tuple[Column, ...]:
    return tuple(Column(f.name, f.label, describe(f)) for f in fields)


_KINDS = "、".join(f"{name}（{ct.label}）" for name, ct in content_types.REGISTRY.items())
COMMON_COLUMNS: tuple[Column, ...] = (
    Column("index_no", "索引号", "政府信息公开目录编号：统一社会信用代码/年份-序号"),
    Column("kind", "类型代码", f"信息类型代码：{_KINDS}"),
    Column("kind_label", "信息类型", "信息类型的中文名称"),
    Column("title", "标题", "信息标题"),
    Column("summary", "摘要", "内容摘要，可为空"),
    Column("publisher", "发布机构", "发布本信息的机构"),
    Column("org_code", "单位代码", "本信息所属单位的代码（见 /api/v1/organisations）"),
    Column("org_name", "所属单位", "本信息所属单位（政府信息公开的主体）的全称"),
    Column("topic", "主题分类", "取值之一：" + "、".join(n for _, n in content_types.TOPICS)),
    Column("tags", "标签", "关键词，多个之间以顿号“、”分隔，可为空"),
    Column("published_at", "发布时间", "北京时间，ISO 8601 格式，如 2024-05-01T10:00:00+08:00"),
    Column("updated_at", "更新时间", "最后修改时间，格式同发布时间"),
    Column("url", "网址", "本条信息在本站的网址（含正文和附件）"),
)
ILLUSTRATIVE = Column("illustrative", "示例", "“是”表示演示用的示例内容，不是真实信息")

MESSAGE_COLUMNS: tuple[Column, ...] = (
    Column("subject", "留言主题", "留言主题（个人信息已遮盖）"),
    Column("category", "留言类别", "取值之一：" + "、".join(MESSAGE_CATEGORIES)),
    Column("content", "留言内容", "留言内容（个人信息已遮盖）"),
    Column("received_on", "留言日期", "日期，格式 YYYY-MM-DD"),
    Column("reply", "答复内容", "街道的答复（个人信息已遮盖）"),
    Column("reply_department", "答复部门", "作出答复的部门"),
    Column("org_code", "单位代码", "受理留言的单位的代码（见 /api/v1/organisations）"),
    Column("org_name", "受理单位", "受理留言的单位的全称"),
    Column("replied_on", "答复日期", "日期，格式 YYYY-MM-DD"),
    Column("working_days", "用时（工作日）", "从受理到答复的工作日数，按法定节假日和调休计算"),
    Column("illustrative", "示例", "“是”表示演示用的示例留言，不是真实留言"),
)


# -- records ------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    return "" if value is None else str(value)


def stamp(value: datetime | None) -> str:
    """W3C / ISO 8601 date-time in Beijing time, e.g. ``2024-05-01T10:00:00+08:00``."""
    return to_local(value).isoformat(timespec="seconds") if value else ""


def _day(value: datetime | None) -> str:
    return to_local(value).date().isoformat() if value else ""


EXTRA_NAMES = tuple(f.name for f in _public_fields(list(content_types.REGISTRY.values())))


_CODE_MARK = "ORGCODE"  # never a real code (codes are lower case): replaced by one


@dataclass(frozen=True)
class ListUrls:
    """The absolute address of every organisation's list page of each kind, made in a
    request (``url_for``) with a fixed number of calls however many organisations there are;
    a document's address is its list page's plus its slug."""

    home_code: str
    home: dict[str, str]
    other: dict[str, str]  # with _CODE_MARK for the organisation's code

    @classmethod
    def build(cls) -> ListUrls:
        kinds = content_types.REGISTRY
        return cls(
            directory.home().code,
            {kind: absolute(url_for("public.listing", kind=kind)) for kind in kinds},
            {
                kind: absolute(url_for("public.listing", kind=kind, org_code=_CODE_MARK))
                for kind in kinds
            },
        )

    def listing(self, org_code: str, kind: str) -> str:
        if org_code == self.home_code:
            return self.home[kind]
        return self.other[kind].replace(f"/org/{_CODE_MARK}/", f"/org/{org_code}/", 1)


def _document_reader(kind: str | None) -> Callable[[], Reader]:
    def reader() -> Reader:
        urls = ListUrls.build()
        return lambda conn: _document_records(conn, kind, urls)

    return reader


def _document_records(conn: sa.Connection, kind: str | None, urls: ListUrls) -> Iterator[Record]:
    labels = {name: ct.label for name, ct in content_types.REGISTRY.items()}
    query = (
        sa.select(
            Organisation.code.label("org_code"),
            Organisation.name.label("org_name"),
            Document.index_no,
            Document.kind,
            Document.slug,
            Document.title,
            Document.summary,
            Document.publisher,
            Document.topic,
            Document.tags,
            Document.extra,
            Document.illustrative,
            Document.published_at,
            Document.updated_at,
        )
        .join(Organisation, Organisation.id == Document.organisation_id)
        .where(Document.status == "published")
        .order_by(Document.published_at.desc(), Document.id.desc())
        .execution_options(yield_per=BATCH)
    )
    if kind is not None:
        query = query.where(Document.kind == kind)
    for row in conn.execute(query):
        extra = row.extra or {}
        record = {
            "index_no": row.index_no,
            "kind": row.kind,
            "kind_label": labels[row.kind],
            "title": row.title,
            "summary": row.summary or "",
            "publisher": row.publisher or "",
            "org_code": row.org_code,
            "org_name": row.org_name,
            "topic": row.topic or "",
            "tags": "、".join(row.tags or []),
            "published_at": stamp(row.published_at),
            "updated_at": stamp(row.updated_at),
            "url": urls.listing(row.org_code, row.kind) + row.slug,
            "illustrative": "是" if row.illustrative else "否",
        }
        for name in EXTRA_NAMES:
            record[name] = _text(extra.get(name))
        yield record


PUBLIC_MESSAGES = sa.and_(Message.published.is_(True), Message.status == MessageStatus.ANSWERED)


def _message_records(conn: sa.Connection) -> Iterator[Record]:
    query = (
        sa.select(
            Organisation.code.label("org_code"),
            Organisation.name.label("org_name"),
            Message.public_subject,
            Message.category,
            Message.public_content,
            Message.received_at,
            Message.public_reply,
            Message.reply_department,
            Message.replied_at,
            Message.is_example,
        )
        .join(Organisation, Organisation.id == Message.organisation_id)
        .where(PUBLIC_MESSAGES)
        .order_by(Message.replied_at.desc(), Message.id.desc())
        .execution_options(yield_per=BATCH)
    )
    for row in conn.execute(query):
        yield {
            "subject": row.public_subject or "",
            "category": row.category or "",
            "content": row.public_content or "",
            "received_on": _day(row.received_at),
            "reply": row.public_reply or "",
            "reply_department": row.reply_department or "",
            "org_code": row.org_code,
            "org_name": row.org_name,
            "replied_on": _day(row.replied_at),
            "working_days": str(deadlines.working_days_taken(row.received_at, row.replied_at)),
            "illustrative": "是" if row.is_example else "否",
        }


def _build_exports() -> dict[str, Export]:
    registry = list(content_types.REGISTRY.values())
    every_field = _field_columns(_public_fields(registry))
    exports = {
        "all": Export(
            "all",
            "全部信息",
            "本站发布的全部信息；各类信息特有的字段只在该类信息的行中有值。",
            (*COMMON_COLUMNS, *every_field, ILLUSTRATIVE),
            _document_reader(None),
        )
    }
    for ct in registry:
        own = _field_columns(_public_fields([ct]))
        exports[ct.name] = Export(
            ct.name,
            ct.label,
            ct.description,
            (*COMMON_COLUMNS, *own, ILLUSTRATIVE),
            _document_reader(ct.name),
            own,
        )
    exports["messages"] = Export(
        "messages",
        "网友留言",
        "已答复并公开的网友留言及街道的答复，个人信息已遮盖。",
        MESSAGE_COLUMNS,
        lambda: _message_records,
        MESSAGE_COLUMNS,
    )
    return exports


EXPORTS: dict[str, Export] = _build_exports()


def filename(name: str, fmt: str, updated: datetime | None) -> tuple[str, str]:
    """ASCII and Chinese download names, dated by the export's last change."""
    day = to_local(updated or utcnow()).strftime("%Y%m%d")
    title = EXPORTS[name].title
    return f"dongxiao-{name}-{day}.{fmt}", f"东晓街道-{title}-{day}.{fmt}"
