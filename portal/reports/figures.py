"""Staff enter Table 四 (行政复议 / 行政诉讼) of an organisation's annual report; every save is
audited, and only someone who may enter the figures in that organisation may save them."""

from __future__ import annotations

import re
from collections.abc import Mapping

import sqlalchemy as sa

from portal import audit
from portal.auth.actor import Actor, Permission, require
from portal.database import unit_of_work
from portal.errors import NotFound, ValidationError
from portal.extensions import db
from portal.reports.models import (
    REVIEW_FIELDS,
    REVIEW_GROUPS,
    REVIEW_RESULTS,
    ReviewLitigationFigures,
)
from portal.timeutil import local_date, utcnow

FIRST_YEAR = 2000
MAX_FIGURE = 99_999
_DIGITS = re.compile(r"[0-9]{1,9}")


def valid_year(year: int) -> bool:
    """Years a report exists for: 2000 up to the current year (Asia/Shanghai)."""
    return FIRST_YEAR <= year <= local_date(utcnow()).year


def review_figures(org_id: int, year: int) -> ReviewLitigationFigures | None:
    """The figures ``org_id`` entered for ``year``, or None if nobody has entered them yet."""
    return db.session.scalar(
        sa.select(ReviewLitigationFigures).where(
            ReviewLitigationFigures.organisation_id == org_id,
            ReviewLitigationFigures.year == year,
        )
    )


def _clean(label: str, value: object) -> tuple[int | None, str | None]:
    if isinstance(value, bool):
        return None, f"{label}：请填写不小于 0 的整数"
    if isinstance(value, int):
        number = value
    else:
        text = str(value if value is not None else "").strip()
        if not text:
            return None, f"{label}：必填，没有请填 0"
        if not _DIGITS.fullmatch(text):
            return None, f"{label}：请填写不小于 0 的整数"
        number = int(text)
    if not 0 <= number <= MAX_FIGURE:
        return None, f"{label}：应为 0 至 {MAX_FIGURE} 之间的整数"
    return number, None


def set_review_figures(
    org_id: int, year: int, figures: Mapping[str, object], *, actor: Actor
) -> ReviewLitigationFigures:
    """Save ``org_id``'s Table 四 figures for ``year`` (all twelve, non-negative integers)
    and audit it.

    Raises ``NotAuthorized`` unless ``actor`` may enter the figures in ``org_id``,
    ``NotFound`` for a year outside 2000..this year and ``ValidationError`` (one Chinese
    message per bad field) without storing anything.
    """
    require(actor, Permission.ENTER_REPORT_FIGURES, org_id)
    if not valid_year(year):
        raise NotFound(year)
    cleaned: dict[str, int] = {}
    errors: dict[str, str] = {}
    for name, label in REVIEW_FIELDS.items():
        number, problem = _clean(label, figures.get(name))
        if problem:
            errors[name] = problem
        else:
            cleaned[name] = number  # type: ignore[assignment]
    if errors:
        raise ValidationError(errors)
    with unit_of_work():
        row = review_figures(org_id, year)
        if row is None:
            row = ReviewLitigationFigures(organisation_id=org_id, year=year)
            db.session.add(row)
        for name, number in cleaned.items():
            setattr(row, name, number)
        row.updated_by = actor.name
        row.updated_at = utcnow()
        audit.record(
            actor.name,
            "report_figures",
            "report",
            year,
            org_id=org_id,
            year=year,
            figures=_describe(cleaned),
        )
    return row


def _describe(values: Mapping[str, int]) -> str:
    """The figures in one line for the audit log (行政复议 结果维持1、结果纠正0 …)."""
    parts = []
    for group, group_label in REVIEW_GROUPS:
        counts = "、".join(f"{label}{values[f'{group}_{key}']}" for key, label in REVIEW_RESULTS)
        parts.append(f"{group_label} {counts}")
    return "；".join(parts)
