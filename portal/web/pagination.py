"""One page of a list: the one ``Page`` type every list returns, and how it is cut."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from flask import abort

from portal.extensions import db

T = TypeVar("T")


@dataclass
class Page(Generic[T]):
    """``items`` of page ``page`` (from 1) of a list of ``total`` items, ``per_page`` each."""

    items: list[T]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return pages(self.total, self.per_page)

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


class PageOutOfRange(Exception):
    """The requested page number does not exist."""


def pages(total: int, per_page: int) -> int:
    """How many pages ``total`` items fill (an empty list still has its one page)."""
    return max(1, -(-total // per_page))


def paginate(
    query: sa.Select[Any], page: int, per_page: int, *, count: sa.Select[Any] | None = None
) -> Page[Any]:
    """Page ``page`` of ``query``'s rows (scalars); 404 past the last page. ``count`` is the
    query that counts them (default: the same query, counted)."""
    if count is None:
        count = sa.select(sa.func.count()).select_from(query.order_by(None).subquery())
    total = db.session.scalar(count) or 0
    if page > pages(total, per_page):
        abort(404)
    items = list(db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)))
    return Page(items, page, per_page, total)
