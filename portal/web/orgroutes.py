"""Routes that every organisation has: the home organisation's at the root, the others'
under ``/org/<code>/`` (the URL contract of a district platform).

``org_route(bp, "/messages/")`` registers the rule twice on one endpoint. Werkzeug builds
the rule whose arguments are all given, preferring the one with more: ``url_for(endpoint)``
gives the root form, ``url_for(endpoint, org_code="x")`` the ``/org/x/…`` form. Which
organisation a code means is the ``orgs`` area's business (``portal.orgs.init_app``);
this module only knows the endpoints that have both forms.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint

ORG_ARG = "org_code"
ORG_PREFIX = f"/org/<{ORG_ARG}>"

#: Endpoints registered with both forms (``blueprint.function``).
_ENDPOINTS: set[str] = set()


def org_route(bp: Blueprint, rule: str, **options: Any) -> Callable[[Callable[..., Any]], Any]:
    """Like ``bp.route(rule)``, and the same under ``/org/<org_code>``."""

    def decorator(view: Callable[..., Any]) -> Any:
        endpoint = options.pop("endpoint", None) or view.__name__
        prefix = (bp.url_prefix or "").rstrip("/")
        bp.add_url_rule(rule, endpoint, view, **options)
        # A blueprint's url_prefix would go in front of /org/<code>: name the whole path.
        org_rule = ORG_PREFIX + prefix + rule
        bp.record(
            lambda state: state.app.add_url_rule(org_rule, f"{bp.name}.{endpoint}", view, **options)
        )
        _ENDPOINTS.add(f"{bp.name}.{endpoint}")
        return view

    return decorator


def has_org_variant(endpoint: str) -> bool:
    return endpoint in _ENDPOINTS
