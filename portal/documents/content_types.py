"""The one registry of content kinds, their fields and how each field is validated.

Adding a kind is one ``ContentType`` entry here plus, at most, one template in
``templates/kinds/<name>.html``. Kind-specific values are stored in ``Document.extra``.
"""

from __future__ import annotations

import re
from contextlib import suppress
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from portal.states import DOCUMENT_LABELS
from portal.text import CONTROL_CHARS
from portal.timeutil import parse_local

INDEX_NO_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{18}/\d{4}-\d{5}$")
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_AMOUNT = Decimal(10) ** 13  # yuan; ten trillion is beyond any office's budget
URL_RE = re.compile(r"https?://[^\s/?#<>\"']+\.[^\s/?#<>\"']+(?:[/?#][^\s<>\"']*)?", re.I)
REF_RE = re.compile(r"^([a-z]+)/([a-z0-9]+(?:-[a-z0-9]+)*)$")

# 主题分类: (URL code, Chinese name). Front matter and forms use the Chinese name.
TOPICS: tuple[tuple[str, str], ...] = (
    ("general", "综合政务"),
    ("rule-of-law", "法治建设"),
    ("urban", "城市管理"),
    ("safety", "安全应急"),
    ("business", "企业服务"),
    ("livelihood", "民生服务"),
    ("finance", "财政审计"),
    ("party", "党的建设"),
)
TOPIC_BY_CODE = dict(TOPICS)
TOPIC_CODE_BY_NAME = {name: code for code, name in TOPICS}

STATUSES: dict[str, str] = dict(DOCUMENT_LABELS.items())
#: How a yes/no field may be written (front matter, forms, the API).
TRUE_WORDS = frozenset({"true", "1", "yes", "y", "on", "是"})
FALSE_WORDS = frozenset({"false", "0", "no", "n", "off", "否"})


class FieldError(ValueError):
    """A single field's value is invalid; the message is shown to people in Chinese."""


@dataclass(frozen=True)
class Field:
    """One validated field: ``type`` is text, markdown, date, int, decimal, choice, ref, url,
    tags or bool (a yes/no flag; absent means no)."""

    name: str
    label: str
    type: str = "text"
    required: bool = False
    max_length: int | None = None
    choices: tuple[str, ...] = ()
    min_value: int | None = None
    max_value: int | None = None
    public: bool = (
        True  # published: in the 公开目录 metadata table (or its own section) and the API
    )
    section: bool = False  # long text shown under its own heading, not in the metadata table

    def clean(self, value: Any) -> Any:
        """Return the normalised value or raise ``FieldError`` with a Chinese message."""
        if isinstance(value, str):
            value = CONTROL_CHARS.sub("", value).strip()
        elif isinstance(value, list):
            value = [CONTROL_CHARS.sub("", v) if isinstance(v, str) else v for v in value]
        if value is None or value == "" or value == []:
            if self.required:
                raise FieldError("必填")
            return None
        cleaner = getattr(self, f"_clean_{self.type}")
        return cleaner(value)

    def _clean_text(self, value: Any) -> str:
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise FieldError("应为文字")
        text = str(value)
        if self.max_length and len(text) > self.max_length:
            raise FieldError(f"不能超过 {self.max_length} 个字")
        return text

    _clean_markdown = _clean_text

    def _clean_date(self, value: Any) -> str:
        day: date | None = None
        if isinstance(value, datetime):
            day = value.date()
        elif isinstance(value, date):
            day = value
        elif isinstance(value, str):
            with suppress(ValueError):
                day = date.fromisoformat(value)
        if day is None:
            raise FieldError("日期格式无效，应为 YYYY-MM-DD")
        if not 1949 <= day.year <= 2100:
            raise FieldError("日期应在 1949 年至 2100 年之间")
        return day.isoformat()

    def _clean_int(self, value: Any) -> int:
        if isinstance(value, bool):
            raise FieldError("应为整数")
        try:
            number = int(str(value))
        except ValueError:
            raise FieldError("应为整数") from None
        if self.min_value is not None and number < self.min_value:
            raise FieldError(f"不能小于 {self.min_value}")
        if self.max_value is not None and number > self.max_value:
            raise FieldError(f"不能大于 {self.max_value}")
        return number

    def _clean_decimal(self, value: Any) -> str:
        if isinstance(value, bool):
            raise FieldError("应为金额数字")
        try:
            number = Decimal(str(value).replace(",", ""))
        except InvalidOperation:
            raise FieldError("应为金额数字") from None
        if not number.is_finite() or number < 0:
            raise FieldError("应为不小于 0 的金额")
        if number >= MAX_AMOUNT:
            raise FieldError("金额过大，请核对（单位为元）")
        exponent = number.as_tuple().exponent  # an int: the number is finite
        if isinstance(exponent, int) and exponent < -2:
            raise FieldError("金额最多两位小数")
        return f"{number:.2f}"

    def _clean_bool(self, value: Any) -> bool:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in TRUE_WORDS:
            return True
        if text in FALSE_WORDS:
            return False
        raise FieldError("应为“是”或“否”")

    def _clean_url(self, value: Any) -> str:
        text = self._clean_text(value)
        if not URL_RE.fullmatch(text):
            raise FieldError("应为以 https:// 或 http:// 开头的完整网址")
        return text

    def _clean_choice(self, value: Any) -> str:
        if value not in self.choices:
            raise FieldError("应为以下之一：" + "、".join(self.choices))
        return str(value)

    def _clean_ref(self, value: Any) -> str:
        if not isinstance(value, str) or not REF_RE.match(value):
            raise FieldError("应为 类型/标识 的形式，例如 news/some-slug")
        if value.split("/", 1)[0] not in REGISTRY:
            raise FieldError("引用了未知的信息类型")
        return value

    def _clean_index_no(self, value: Any) -> str:
        if not isinstance(value, str) or not INDEX_NO_RE.match(value):
            raise FieldError(
                "格式应为 统一社会信用代码/年份-五位序号，如 11440303MB2C93574X/2024-00001"
            )
        return value

    def _clean_tags(self, value: Any) -> list[str]:
        if isinstance(value, str):
            value = [part for part in re.split(r"[,，、\s]+", value) if part]
        if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
            raise FieldError("应为标签列表")
        tags = [str(v).strip() for v in value if str(v).strip()]
        if len(tags) > 10:
            raise FieldError("最多 10 个标签")
        if any(len(t) > 20 for t in tags):
            raise FieldError("每个标签不能超过 20 个字")
        return list(dict.fromkeys(tags))


# Metadata every kind has (columns on Document, not in ``extra``).
COMMON_FIELDS: tuple[Field, ...] = (
    Field("title", "标题", required=True, max_length=200),
    Field("summary", "摘要", max_length=500),
    Field("publisher", "发布机构", max_length=100),
    Field("index_no", "索引号", "index_no", max_length=64),
    Field("topic", "主题分类", "choice", required=True, choices=tuple(n for _, n in TOPICS)),
    Field("tags", "标签", "tags"),
    Field("body", "正文", "markdown", max_length=200_000),
)


@dataclass(frozen=True)
class ContentType:
    name: str
    label: str
    description: str
    fields: tuple[Field, ...] = ()
    body_label: str = "正文"
    subtypes_field: str | None = None  # a choice field whose values are shown as sub-categories

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)


ENFORCEMENT_SUBTYPES = ("行政处罚", "行政检查", "双随机一公开")
POLICY_VALIDITY = ("有效", "失效", "废止", "已修订")

_REGISTRY_LIST: tuple[ContentType, ...] = (
    ContentType("news", "工作动态", "街道工作的最新动态。"),
    ContentType(
        "notice",
        "通知公告",
        "面向居民和企业的通知、公告。",
        (Field("valid_until", "有效期至", "date"),),
    ),
    ContentType(
        "policy",
        "政策文件",
        "街道制定的规范性文件、工作制度和实施方案。",
        (
            Field("doc_number", "发文字号", required=True, max_length=60),
            Field("issued_on", "成文日期", "date", required=True),
            Field("validity", "有效性", "choice", required=True, choices=POLICY_VALIDITY),
            # 行政规范性文件 (国办发〔2018〕37号): only these count in Table 二 of the annual
            # disclosure report; internal work rules and plans are policy files too.
            Field("normative", "行政规范性文件", "bool"),
            Field("interpretation", "政策解读", "ref", public=False),
        ),
    ),
    ContentType(
        "enforcement",
        "执法公示",
        "行政处罚、行政检查和“双随机、一公开”抽查结果。",
        (
            Field("subtype", "公示类别", "choice", required=True, choices=ENFORCEMENT_SUBTYPES),
            Field("decision_no", "决定书文号", max_length=80),
            Field("party", "当事人", required=True, max_length=100),
            Field(
                "party_type",
                "当事人类型",
                "choice",
                required=True,
                choices=("organisation", "person"),
                public=False,
            ),
            Field("legal_basis", "法律依据", required=True, max_length=500),
            Field("result", "处理结果", required=True, max_length=500),
            Field("decided_on", "作出日期", "date", required=True),
        ),
        subtypes_field="subtype",
    ),
    ContentType(
        "faq",
        "知识问答",
        "居民常问的问题和解答。",
        (Field("question", "问题", required=True, max_length=300, public=False),),
        body_label="解答",
    ),
    ContentType(
        "finance",
        "财政资金",
        "财政预决算和专项资金使用情况。",
        (
            Field("fiscal_year", "资金年度", "int", required=True, min_value=2000, max_value=2100),
            Field("amount", "金额（元）", "decimal", required=True),
            Field("project", "项目名称", required=True, max_length=200),
        ),
    ),
    ContentType(
        "consultation",
        "征集调查",
        "公开征求意见和调查，征集结束后公布结果。",
        (
            Field("opens_on", "征集开始", "date", required=True),
            Field("closes_on", "征集截止", "date", required=True),
            Field("result_summary", "结果反馈", "markdown", max_length=20_000, public=False),
            # Set when the result is published from the back office (结果反馈); the adoption
            # counts are a snapshot taken then, so later corrections need a new publication.
            Field("result_published_on", "结果公布日期", "date", public=False),
            Field("result_adopted", "采纳意见数", "int", min_value=0, public=False),
            Field("result_partly_adopted", "部分采纳意见数", "int", min_value=0, public=False),
            Field("result_not_adopted", "未采纳意见数", "int", min_value=0, public=False),
        ),
    ),
    ContentType(
        "service",
        "办事服务",
        "办事指南：办理依据、条件、材料、地点、时间、电话和流程。",
        (
            Field("basis", "设定依据", required=True, max_length=1000),
            Field("conditions", "受理条件", required=True, max_length=3000, section=True),
            Field("materials", "申请材料", required=True, max_length=5000, section=True),
            Field("place", "办理地点", required=True, max_length=200),
            Field("hours", "办理时间", required=True, max_length=200),
            Field("phone", "咨询电话", required=True, max_length=50),
            Field("fee", "收费标准", required=True, max_length=200),
            Field("online_url", "网上办理", "url", max_length=500),
        ),
        body_label="办理流程",
    ),
    ContentType(
        "report",
        "年度报告",
        "法治政府建设和政府信息公开工作年度报告。",
        (Field("year", "报告年度", "int", required=True, min_value=2000, max_value=2100),),
    ),
)

REGISTRY: dict[str, ContentType] = {ct.name: ct for ct in _REGISTRY_LIST}


def get(kind: str) -> ContentType:
    return REGISTRY[kind]


def _check_kind_rules(kind: str, extra: dict[str, Any], errors: dict[str, str]) -> None:
    """Rules that involve more than one field of a kind."""
    if kind == "enforcement":
        if extra.get("subtype") == "行政处罚" and not extra.get("decision_no"):
            errors.setdefault("decision_no", "决定书文号：行政处罚公示必须填写")
        party = extra.get("party") or ""
        if extra.get("party_type") == "person":
            if re.search(r"[\dA-Za-z@]", party):
                errors.setdefault("party", "当事人：自然人不得公开证件号、电话等个人信息")
            elif party:
                # A natural person is only ever stored and shown by surname: 张三 → 张某.
                extra["party"] = party[0] + "某"
    if kind == "consultation":
        opens, closes = extra.get("opens_on"), extra.get("closes_on")
        if opens and closes and closes < opens:
            errors.setdefault("closes_on", "征集截止：不能早于征集开始日期")


def validate(kind: str, data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Validate a document's fields for ``kind``.

    Returns ``(cleaned, errors)``: ``cleaned`` has the common fields at top level and the
    kind's own fields under ``extra``; ``errors`` maps field name to a Chinese message that
    names the field (e.g. ``"成文日期：日期格式无效，应为 YYYY-MM-DD"``).
    """
    content_type = REGISTRY[kind]
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for fld in COMMON_FIELDS:
        try:
            cleaned[fld.name] = fld.clean(data.get(fld.name))
        except FieldError as exc:
            errors[fld.name] = f"{fld.label}：{exc}"
    extra: dict[str, Any] = {}
    for fld in content_type.fields:
        try:
            value = fld.clean(data.get(fld.name))
        except FieldError as exc:
            errors[fld.name] = f"{fld.label}：{exc}"
            continue
        if value is not None and value is not False:  # a yes/no flag is kept only when yes
            extra[fld.name] = value
    _check_kind_rules(kind, extra, errors)
    cleaned["extra"] = extra
    return cleaned, errors


def clean_slug(value: Any) -> str:
    """Return a valid slug or raise ``FieldError``."""
    if not isinstance(value, str) or not SLUG_RE.match(value) or len(value) > 120:
        raise FieldError("只能包含小写字母、数字和连字符，且不超过 120 个字符")
    return value


def clean_datetime(value: Any) -> datetime:
    try:
        parsed = parse_local(value)
    except ValueError:
        raise FieldError("日期格式无效，应为 YYYY-MM-DD 或 YYYY-MM-DD HH:MM") from None
    if not 2000 <= parsed.year <= 2100:
        raise FieldError("日期应在 2000 年至 2100 年之间")
    return parsed
