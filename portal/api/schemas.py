"""JSON Schemas (2020-12, as OpenAPI 3.1 uses) of everything the API returns.

Kinds, topics and kind-specific fields are read from the content-type registry, so a new
kind or field appears in the schemas without touching this file.
"""

from __future__ import annotations

from typing import Any

from portal.api.params import KINDS, ORG_CODE, TOPIC_CODES
from portal.api.serialize import published_fields
from portal.consultations.models import ADOPTION, QUESTION_TYPES
from portal.creditcode import CREDIT_CHARSET
from portal.documents import content_types
from portal.orgs.models import CONTACT_FIELDS, ORG_KIND_LABELS, OrgKind

STRING = {"type": "string"}
DATE = {"type": "string", "format": "date"}
DATETIME = {
    "type": "string",
    "format": "date-time",
    "description": "ISO 8601，北京时间（+08:00）",
}
URI = {"type": "string", "format": "uri"}
COUNT = {"type": "integer", "minimum": 0}
PERCENT = {"type": "integer", "minimum": 0, "maximum": 100}
CONTACTS = tuple(CONTACT_FIELDS.items())
DECIMAL = {"type": "string", "pattern": r"^[0-9]+\.[0-9]{2}$", "description": "两位小数"}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _obj(properties: dict[str, Any], optional: tuple[str, ...] = (), **more: Any) -> dict:
    """A closed object: every property required unless listed in ``optional``."""
    return {
        "type": "object",
        "properties": properties,
        "required": [name for name in properties if name not in optional],
        "additionalProperties": False,
        **more,
    }


def _field_schema(field: content_types.Field) -> dict[str, Any]:
    if field.type == "int":
        schema: dict[str, Any] = {"type": "integer"}
        if field.min_value is not None:
            schema["minimum"] = field.min_value
        if field.max_value is not None:
            schema["maximum"] = field.max_value
    elif field.type == "date":
        schema = dict(DATE)
    elif field.type == "decimal":
        schema = dict(DECIMAL)
    elif field.type == "choice":
        schema = {"type": "string", "enum": list(field.choices)}
    elif field.type == "bool":
        schema = {"type": "boolean"}
    else:
        schema = {"type": "string"}
    schema["title"] = field.label
    return schema


def kind_fields() -> dict[str, dict[str, Any]]:
    """Every published kind-specific field by name (the same name means the same thing)."""
    found: dict[str, dict[str, Any]] = {}
    for content_type in content_types.REGISTRY.values():
        for field in published_fields(content_type):
            schema = _field_schema(field)
            if found.setdefault(field.name, schema) != schema:
                raise RuntimeError(f"field {field.name} differs between kinds")
    return found


def _document_summary() -> dict[str, Any]:
    fields = kind_fields()
    return {
        "kind": {"type": "string", "enum": list(KINDS)},
        "kind_label": STRING,
        "slug": STRING,
        "title": STRING,
        "summary": STRING,
        "publisher": {**STRING, "description": "发布机构"},
        "organisation": ref("OrganisationRef"),
        "index_no": {**STRING, "description": "索引号"},
        "topic": {"type": "string", "enum": [name for _, name in content_types.TOPICS]},
        "topic_code": {"type": "string", "enum": list(TOPIC_CODES)},
        "tags": {"type": "array", "items": STRING},
        "fields": {
            "type": "object",
            "description": "该类信息特有的公开字段（字段说明见 /api/v1/kinds）；没有值的字段省略。",
            "properties": fields,
            "additionalProperties": False,
        },
        "illustrative": {"type": "boolean", "description": "演示内容（示例）"},
        "published_at": DATETIME,
        "updated_at": DATETIME,
        "url": {**URI, "description": "网站上的页面"},
        "api_url": {**URI, "description": "本接口中的详情"},
    }


def _page(item: str) -> dict[str, Any]:
    return _obj(
        {
            "items": {"type": "array", "items": ref(item)},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1},
            "total": COUNT,
            "pages": {"type": "integer", "minimum": 1},
        }
    )


def _items(item: str) -> dict[str, Any]:
    return _obj({"items": {"type": "array", "items": ref(item)}})


def components() -> dict[str, Any]:
    """The ``components.schemas`` of the OpenAPI document."""
    summary = _document_summary()
    published = [f for ct in content_types.REGISTRY.values() for f in published_fields(ct)]
    markdown_fields = sorted({f.name for f in published if f.type == "markdown"})
    field_types = sorted({f.type for f in published})
    return {
        "Error": _obj(
            {
                "error": _obj(
                    {
                        "code": {"type": "integer", "minimum": 400, "maximum": 599},
                        "message": {**STRING, "description": "中文说明"},
                        "field": {**STRING, "description": "出错的参数名"},
                    },
                    optional=("field",),
                )
            }
        ),
        "DocumentSummary": _obj(summary),
        "Document": _obj(
            {
                **summary,
                "status": {"type": "string", "enum": ["published", "withdrawn"]},
                "withdrawn_at": {**DATETIME, "type": ["string", "null"]},
                "withdrawn_reason": {"type": ["string", "null"]},
                "body_markdown": STRING,
                "body_html": {**STRING, "description": "已净化的 HTML"},
                "fields_html": {
                    "type": "object",
                    "description": "Markdown 字段渲染后的已净化 HTML",
                    "properties": {name: STRING for name in markdown_fields},
                    "additionalProperties": False,
                },
                "attachments": {"type": "array", "items": ref("Attachment")},
                "interpretation": {
                    "description": "政策解读（仅政策文件）",
                    "oneOf": [ref("DocumentRef"), {"type": "null"}],
                },
                "interprets": {
                    "description": "本篇解读的政策文件",
                    "type": "array",
                    "items": ref("DocumentRef"),
                },
                "consultation": {
                    "description": "征集调查的状态、问题、公开的意见和结果（其他类型为 null）",
                    "oneOf": [ref("Consultation"), {"type": "null"}],
                },
            }
        ),
        **_consultation(),
        "DocumentRef": _obj(
            {"kind": summary["kind"], "slug": STRING, "title": STRING, "url": URI, "api_url": URI}
        ),
        "Attachment": _obj(
            {
                "title": STRING,
                "filename": STRING,
                "size": {**COUNT, "description": "字节数"},
                "mime_type": STRING,
                "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                "url": {**URI, "description": "下载地址"},
            }
        ),
        "DocumentPage": _page("DocumentSummary"),
        **_organisations(),
        "Kind": _obj(
            {
                "name": summary["kind"],
                "label": STRING,
                "description": STRING,
                "body_label": STRING,
                "count": {**COUNT, "description": "已发布条数"},
                "fields": {"type": "array", "items": ref("KindField")},
                "url": URI,
                "api_url": URI,
            }
        ),
        "KindField": _obj(
            {
                "name": STRING,
                "label": STRING,
                "type": {"type": "string", "enum": field_types},
                "required": {"type": "boolean"},
                "choices": {"type": "array", "items": STRING},
            },
            optional=("choices",),
        ),
        "KindList": _items("Kind"),
        "Topic": _obj(
            {
                "code": summary["topic_code"],
                "name": summary["topic"],
                "count": {**COUNT, "description": "已发布条数"},
                "api_url": URI,
            }
        ),
        "TopicList": _items("Topic"),
        "Message": _obj(
            {
                "subject": STRING,
                "content": {**STRING, "description": "留言内容（个人信息已遮盖）"},
                "category": STRING,
                "received_on": DATE,
                "reply_department": STRING,
                "reply": STRING,
                "replied_on": DATE,
                "working_days": {**COUNT, "description": "答复用时（工作日）"},
                "illustrative": {"type": "boolean", "description": "演示内容（示例）"},
            }
        ),
        "MessagePage": _page("Message"),
        "Statistics": _statistics(),
    }


def _consultation() -> dict[str, Any]:
    """The consultation part of a document, and its result (结果反馈)."""
    types = list(QUESTION_TYPES)
    adoption = _obj({code: {**COUNT, "description": label} for code, label in ADOPTION.items()})
    return {
        "Consultation": _obj(
            {
                "state": {
                    "type": "string",
                    "enum": ["upcoming", "open", "closed", "result"],
                    "description": "未开始 / 征集中 / 已结束 / 已公布结果（按北京时间的日期）",
                },
                "state_label": STRING,
                "days_left": {
                    "type": ["integer", "null"],
                    "minimum": 0,
                    "description": "征集中时距截止的天数（截止当天为 0）",
                },
                "opinions_received": {**COUNT, "description": "收到的意见数"},
                "questions": {
                    "type": "array",
                    "items": _obj(
                        {
                            "number": {"type": "integer", "minimum": 1},
                            "text": STRING,
                            "type": {"type": "string", "enum": types},
                            "required": {"type": "boolean"},
                            "options": {"type": "array", "items": STRING},
                        }
                    ),
                },
                "opinions": {
                    "description": "经同意并审核后公开的意见（个人信息已遮盖，无姓名和联系方式）",
                    "type": "array",
                    "items": _obj({"received_on": DATE, "content": STRING}),
                },
                "result": {
                    "description": "结果反馈（公布后才有）",
                    "oneOf": [ref("ConsultationResult"), {"type": "null"}],
                },
            }
        ),
        "ConsultationResult": _obj(
            {
                "published_on": {**DATE, "type": ["string", "null"]},
                "adoption": {
                    "description": "意见采纳情况（采纳 / 部分采纳 / 未采纳）",
                    "oneOf": [adoption, {"type": "null"}],
                },
                "tallies": {
                    "description": "问卷统计：百分比为占该题作答人数的比例（四舍五入）",
                    "type": "array",
                    "items": _obj(
                        {
                            "number": {"type": "integer", "minimum": 1},
                            "question": STRING,
                            "type": {"type": "string", "enum": types},
                            "respondents": COUNT,
                            "options": {
                                "type": "array",
                                "items": _obj(
                                    {
                                        "label": STRING,
                                        "count": COUNT,
                                        "percent": PERCENT,
                                    }
                                ),
                            },
                        }
                    ),
                },
            }
        ),
    }


def _organisations() -> dict[str, Any]:
    """An organisation (发布单位), and the short reference every document carries."""
    code = {**ORG_CODE, "description": "单位代码（网址 /org/<code>/ 中的一段）"}
    name = {**STRING, "description": "单位全称"}
    credit = {"type": "string", "pattern": f"^[{CREDIT_CHARSET}]{{18}}$"}
    contacts = {n: {**STRING, "description": f"{label}（未公布时为空）"} for n, label in CONTACTS}
    return {
        "OrganisationRef": _obj({"code": code, "name": name}, description="发布本信息的单位"),
        "Organisation": _obj(
            {
                "code": code,
                "name": name,
                "short_name": {**STRING, "description": "单位简称"},
                "kind": {"type": "string", "enum": [kind.value for kind in OrgKind]},
                "kind_label": {"type": "string", "enum": list(ORG_KIND_LABELS.values())},
                "credit_code": {**credit, "description": "统一社会信用代码（索引号的前缀）"},
                "parent": {**ORG_CODE, "type": ["string", "null"], "description": "上级单位代码"},
                "is_home": {"type": "boolean", "description": "本站主办单位（页面在网站根目录）"},
                "contacts": _obj(contacts),
                "count": {**COUNT, "description": "已发布信息条数"},
                "by_kind": _by_kind(),
                "url": {**URI, "description": "网站上该单位的首页"},
                "api_url": {**URI, "description": "本接口中该单位的信息列表"},
            }
        ),
        "OrganisationList": _items("Organisation"),
    }


def _by_kind() -> dict[str, Any]:
    return _obj({kind: COUNT for kind in KINDS})


def _statistics() -> dict[str, Any]:
    year = {"type": "integer", "minimum": 1970, "maximum": 2100}
    return _obj(
        {
            "documents": _obj(
                {
                    "total": COUNT,
                    "by_kind": _by_kind(),
                    "by_year": {
                        "type": "array",
                        "items": _obj({"year": year, "total": COUNT, "by_kind": _by_kind()}),
                    },
                },
                description="已发布信息（按发布年份，北京时间）",
            ),
            "messages": _obj(
                {
                    "received": COUNT,
                    "answered": COUNT,
                    "published": COUNT,
                    "target_working_days": COUNT,
                    "by_year": {
                        "type": "array",
                        "items": _obj(
                            {
                                "year": year,
                                "received": COUNT,
                                "answered": COUNT,
                                "answered_on_time": COUNT,
                                "average_working_days": {"type": ["number", "null"]},
                            }
                        ),
                    },
                },
                description="网友留言（按收到年份）",
            ),
            "requests": _obj(
                {
                    "received": COUNT,
                    "closed": COUNT,
                    "by_year": {
                        "type": "array",
                        "items": _obj({"year": year, "received": COUNT, "closed": COUNT}),
                    },
                },
                description="依申请公开（仅汇总数字）",
            ),
        }
    )
