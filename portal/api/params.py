"""Query parameters of the API: each declared once, with its JSON Schema and its parser.

The same ``Param`` objects parse requests and describe them in the OpenAPI document, so
what is accepted and what is documented cannot drift apart. A bad value raises
``BadParameter`` naming the parameter, which the API answers with a 400.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from portal.documents import content_types
from portal.orgs import directory
from portal.timeutil import SHANGHAI

MAX_PAGE = 10_000
DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
MAX_QUERY_CHARS = 200
YEARS = (2000, 2100)  # publication dates are validated to this range
_DIGITS = re.compile(r"[0-9]{1,6}")
# ISO 8601 date or date-time, optionally with a UTC offset (ASCII digits only).
DATETIME_PATTERN = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}:[0-9]{2})?)?$"
)


class ApiError(Exception):
    """An error the API answers in its JSON shape: status code, Chinese message, field."""

    def __init__(self, code: int, message: str, field: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


class BadParameter(ApiError):
    """A request parameter is invalid; the message is Chinese and names the parameter."""

    def __init__(self, name: str, message: str):
        super().__init__(400, message, name)


@dataclass(frozen=True)
class Param:
    """One parameter: where it goes, what it means, its schema and how to read it."""

    name: str
    description: str
    schema: dict[str, Any]
    parse: Callable[[str], Any] = str
    location: str = "query"
    default: Any = None
    example: Any = None
    allow_empty: bool = False  # an empty value means "not given" (else it is an error)

    def openapi(self) -> dict[str, Any]:
        spec: dict[str, Any] = {
            "name": self.name,
            "in": self.location,
            "description": self.description,
            "required": self.location == "path",
            "schema": self.schema,
        }
        if self.example is not None:
            spec["example"] = self.example
        return spec


def parse_args(params: tuple[Param, ...], args: Mapping[str, str]) -> dict[str, Any]:
    """Read the query parameters in ``params`` from ``args`` (absent ones get their default)."""
    values: dict[str, Any] = {}
    for param in params:
        if param.location != "query":
            continue
        raw = args.get(param.name)
        if raw is None or (raw == "" and param.allow_empty):
            values[param.name] = param.default
            continue
        if raw == "":
            raise BadParameter(param.name, f"参数 {param.name}：不能为空，不需要时请省略")
        try:
            values[param.name] = param.parse(raw)
        except ValueError as exc:
            raise BadParameter(param.name, f"参数 {param.name}：{exc}") from None
    return values


def _int_between(low: int, high: int) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        if not _DIGITS.fullmatch(raw) or not low <= int(raw) <= high:
            raise ValueError(f"应为 {low} 至 {high} 之间的整数")
        return int(raw)

    return parse


def _choice(values: tuple[str, ...], what: str) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        if raw not in values:
            raise ValueError(f"未知的{what}，应为以下之一：" + "、".join(values))
        return raw

    return parse


def _query(raw: str) -> str:
    if len(raw) > MAX_QUERY_CHARS:
        raise ValueError(f"不能超过 {MAX_QUERY_CHARS} 个字符")
    return raw


def _organisation(raw: str) -> directory.Org:
    """An organisation by its code (read from this request's directory)."""
    org = directory.by_code(raw)
    if org is None:
        raise ValueError("没有这个代码的单位，全部单位代码见 /api/v1/organisations")
    return org


def parse_instant(raw: str) -> datetime:
    """An ISO date or date-time as an aware UTC datetime; naive values are Asia/Shanghai."""
    text = raw.strip()
    if not re.fullmatch(DATETIME_PATTERN, text):
        raise ValueError("应为 ISO 8601 日期或时间，如 2024-05-01 或 2024-05-01T08:30:00+08:00")
    try:
        if len(text) == 10:
            parsed = datetime.combine(date.fromisoformat(text), time.min)
        else:
            parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError("不是有效的日期或时间") from None
    if not 1970 <= parsed.year <= YEARS[1]:
        raise ValueError(f"年份应在 1970 至 {YEARS[1]} 之间")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=SHANGHAI)
    return parsed.astimezone(UTC)


KINDS = tuple(content_types.REGISTRY)
TOPIC_CODES = tuple(code for code, _ in content_types.TOPICS)

PAGE = Param(
    "page",
    "页码，从 1 开始。",
    {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1},
    _int_between(1, MAX_PAGE),
    default=1,
)
PER_PAGE = Param(
    "per_page",
    f"每页条数，默认 {DEFAULT_PER_PAGE}，最多 {MAX_PER_PAGE}。",
    {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": DEFAULT_PER_PAGE},
    _int_between(1, MAX_PER_PAGE),
    default=DEFAULT_PER_PAGE,
)
KIND = Param(
    "kind",
    "信息类型（见 /api/v1/kinds）。",
    {"type": "string", "enum": list(KINDS)},
    _choice(KINDS, "信息类型"),
    example="policy",
)
TOPIC = Param(
    "topic",
    "主题分类代码（见 /api/v1/topics）。",
    {"type": "string", "enum": list(TOPIC_CODES)},
    _choice(TOPIC_CODES, "主题分类"),
    example="safety",
)
YEAR = Param(
    "year",
    "发布年份（北京时间）。",
    {"type": "integer", "minimum": YEARS[0], "maximum": YEARS[1]},
    _int_between(*YEARS),
    example=2024,
)
QUERY = Param(
    "q",
    "全文检索关键词（与网站搜索相同的中文分词和同义词）；给出时按相关度排序，"
    "最多返回最相关的 2000 条。",
    {"type": "string", "maxLength": MAX_QUERY_CHARS},
    _query,
    example="垃圾分类",
    allow_empty=True,
)
UPDATED_SINCE = Param(
    "updated_since",
    "只返回在此时刻及之后发布或修改过的信息。ISO 8601 日期或时间；"
    "不带时区时按北京时间（+08:00）理解，只有日期时从当天零点起算。",
    {"type": "string", "pattern": DATETIME_PATTERN},
    parse_instant,
    example="2024-05-01T00:00:00+08:00",
)
ORG_CODE = {"type": "string", "pattern": r"^[a-z][a-z0-9-]{1,31}$"}
ORG = Param(
    "org",
    "发布单位代码（见 /api/v1/organisations）：只返回该单位的信息；省略时为全部单位。",
    ORG_CODE,
    _organisation,
    example="dongxiao",
)
DOCUMENT_ORG = Param(
    "org",
    "发布单位代码（见 /api/v1/organisations）：同一标识的信息在不同单位各有一条；"
    "省略时为本站主办单位。",
    ORG_CODE,
    _organisation,
    example="dongxiao",
)
PATH_KIND = Param(
    "kind", "信息类型。", {"type": "string", "enum": list(KINDS)}, location="path", example="news"
)
PATH_SLUG = Param(
    "slug",
    "信息的标识（网址中的最后一段）。",
    {"type": "string", "pattern": r"^[a-z0-9]+(-[a-z0-9]+)*$", "maxLength": 120},
    location="path",
    example="xzcf-2024-0115",
)
