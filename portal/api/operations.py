"""API operations, each declared once: route, parameters, responses and caching.

``Api.get`` registers the Flask route and records the operation; the OpenAPI document is
built from the same records, so the spec cannot describe a route that does not exist (or
miss one that does). Every operation runs the same cycle: parse the declared parameters
(a bad one is a 400 naming it), answer ``304`` when the client's ETag is current, call
the view, send JSON with ``ETag`` and ``Cache-Control``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, wraps
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, request

from portal import timeutil
from portal.api import queries, schemas
from portal.api.params import Param, parse_args
from portal.timeutil import local_date, utcnow
from portal.web.urls import absolute

CACHE_CONTROL = "public, max-age=60"
JSON = "application/json"
# What a cached response depends on: each source returns a value that changes with it.
VERSION_SOURCES: dict[str, Callable[[], object]] = {
    "documents": queries.document_version,
    "orgs": queries.organisation_version,
    "interaction": queries.interaction_version,
    "consultations": queries.consultation_version,
    "day": lambda: timeutil.today().isoformat(),  # a consultation's state follows the date
    "year": lambda: local_date(utcnow()).year,
}
ERROR_RESPONSES = {
    400: ("BadRequest", "参数有误：error.field 指出是哪个参数"),
    404: ("NotFound", "没有这项资源"),
    429: ("TooManyRequests", "请求过于频繁"),
    500: ("ServerError", "系统繁忙"),
}
_RULE_ARG = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


@dataclass(frozen=True)
class Operation:
    """One GET operation of the API."""

    rule: str  # Flask rule under the blueprint's prefix
    endpoint: str
    summary: str
    description: str
    tag: str
    params: tuple[Param, ...]
    schema: dict[str, Any]  # of the 200 response body
    media_type: str
    errors: tuple[int, ...]
    cache: tuple[str, ...] | None  # version sources of the ETag (None: see etag_from_body)
    etag_from_body: bool  # for small static documents: hash the body instead
    paginated: bool

    @property
    def conditional(self) -> bool:
        return self.cache is not None or self.etag_from_body

    def path(self, prefix: str) -> str:
        """The OpenAPI path: ``/api/v1/documents/{kind}/{slug}``."""
        return prefix + _RULE_ARG.sub(r"{\1}", self.rule)

    def openapi(self) -> dict[str, Any]:
        ok: dict[str, Any] = {
            "description": "成功",
            "content": {self.media_type: {"schema": self.schema}},
        }
        headers = {"Access-Control-Allow-Origin": {"$ref": "#/components/headers/CORS"}}
        if self.conditional:
            headers["ETag"] = {"$ref": "#/components/headers/ETag"}
            headers["Cache-Control"] = {"$ref": "#/components/headers/CacheControl"}
        if self.paginated:
            headers["Link"] = {"$ref": "#/components/headers/Link"}
        ok["headers"] = headers
        responses: dict[str, Any] = {"200": ok}
        if self.conditional:
            responses["304"] = {"description": "未修改：If-None-Match 与当前 ETag 相同"}
        for code in (*self.errors, 429, 500):
            responses[str(code)] = {"$ref": f"#/components/responses/{ERROR_RESPONSES[code][0]}"}
        spec: dict[str, Any] = {
            "operationId": self.endpoint,
            "summary": self.summary,
            "tags": [self.tag],
            "responses": responses,
        }
        if self.description:
            spec["description"] = self.description
        if self.params:
            spec["parameters"] = [p.openapi() for p in self.params]
        return spec


@cache
def code_token() -> str:
    """A digest of the API's own code: a deployment that changes responses changes ETags."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def etag_for(sources: tuple[str, ...]) -> str:
    """A strong validator from the request URL and the versions of what the response shows."""
    parts = [code_token(), absolute("/"), request.url]
    parts += [f"{name}={VERSION_SOURCES[name]()}" for name in sources]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


def json_response(data: Any, status: int = 200) -> Response:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return current_app.response_class(body, status=status, mimetype=JSON)


View = Callable[..., Any]


class Api:
    """The registry of operations of one blueprint."""

    def __init__(self, blueprint: Blueprint, prefix: str):
        self.blueprint = blueprint
        self.prefix = prefix
        self.operations: list[Operation] = []

    def get(
        self,
        rule: str,
        *,
        summary: str,
        tag: str,
        description: str = "",
        params: tuple[Param, ...] = (),
        response: str | None = None,
        schema: dict[str, Any] | None = None,
        media_type: str = JSON,
        errors: tuple[int, ...] = (),
        cache: tuple[str, ...] | None = None,
        etag_from_body: bool = False,
        paginated: bool = False,
    ) -> Callable[[View], View]:
        """Register ``view`` for GET ``rule``; it gets the parsed query parameters first."""
        if any(p.location == "query" for p in params) and 400 not in errors:
            errors = (400, *errors)

        def decorator(view: View) -> View:
            operation = Operation(
                rule=rule,
                endpoint=view.__name__,
                summary=summary,
                description=description,
                tag=tag,
                params=params,
                schema=schemas.ref(response) if response else (schema or {}),
                media_type=media_type,
                errors=errors,
                cache=cache,
                etag_from_body=etag_from_body,
                paginated=paginated,
            )
            self.operations.append(operation)
            self.blueprint.add_url_rule(
                rule, endpoint=view.__name__, view_func=_handler(operation, view), methods=["GET"]
            )
            return view

        return decorator

    def openapi(self, server_url: str, info: dict[str, Any]) -> dict[str, Any]:
        """The OpenAPI 3.1 document of every registered operation."""
        paths: dict[str, Any] = {}
        for operation in self.operations:
            paths.setdefault(operation.path(self.prefix), {})["get"] = operation.openapi()
        error = {JSON: {"schema": schemas.ref("Error")}}
        return {
            "openapi": "3.1.0",
            "info": info,
            "servers": [{"url": server_url}],
            "tags": [{"name": tag} for tag in dict.fromkeys(o.tag for o in self.operations)],
            "paths": paths,
            "components": {
                "schemas": schemas.components(),
                "responses": {
                    name: {"description": text, "content": error}
                    for name, text in ERROR_RESPONSES.values()
                },
                "headers": {
                    "ETag": {
                        "description": "实体标签；下次请求带上 If-None-Match，未变化时返回 304",
                        "required": True,
                        "schema": {"type": "string"},
                    },
                    "CacheControl": {
                        "description": "可缓存 60 秒",
                        "required": True,
                        "schema": {"type": "string", "const": CACHE_CONTROL},
                    },
                    "Link": {
                        "description": "RFC 8288 分页链接：first、prev、next、last（绝对地址）",
                        "required": True,
                        "schema": {"type": "string"},
                    },
                    "CORS": {
                        "description": "任何网站都可以跨域读取",
                        "required": True,
                        "schema": {"type": "string", "const": "*"},
                    },
                },
            },
        }


def _handler(operation: Operation, view: View) -> Callable[..., Response]:
    @wraps(view)
    def handle(**view_args: Any) -> Response:
        args = parse_args(operation.params, request.args)
        etag = None
        if operation.cache is not None:
            etag = etag_for(operation.cache)
            if request.if_none_match.contains_weak(etag):
                response = current_app.response_class(status=304)
                response.set_etag(etag)
                response.headers["Cache-Control"] = CACHE_CONTROL
                return response
        result = view(args, **view_args)
        if isinstance(result, Response):
            response = result
        else:
            data, headers = result if isinstance(result, tuple) else (result, {})
            if operation.media_type == JSON:
                response = json_response(data)
            else:
                response = current_app.response_class(data, mimetype=operation.media_type)
            response.headers.update(headers)
        if etag is not None:
            response.set_etag(etag)
        elif operation.etag_from_body:
            response.add_etag()
        if operation.conditional:
            response.headers["Cache-Control"] = CACHE_CONTROL
            response.make_conditional(request)  # in place
        return response

    return handle
