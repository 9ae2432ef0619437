"""What search keeps in the database: the anonymised query log behind the hot words (热词),
its per-period salts, the hot words staff hid, and the synonym groups staff edit."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.columns import UTCDateTime
from portal.extensions import Model
from portal.timeutil import utcnow


class SearchQueryLog(Model):
    """One search: the normalised query and a salted hash of the client — never its address.

    ``client`` is HMAC-SHA256(the period's salt, address + User-Agent); the salt is deleted
    when its period ends, so a hash can be neither linked to a later one nor brute-forced.
    """

    __tablename__ = "search_query_log"
    __table_args__ = (
        sa.Index("ix_search_query_log_period_word_client", "period", "word", "client"),
        sa.Index("ix_search_query_log_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True
    )
    period: Mapped[int]
    word: Mapped[str] = mapped_column(sa.String(50))
    client: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<SearchQueryLog #{self.id} period {self.period}>"


class SearchSalt(Model):
    """The random salt of one period of the query log (only the current one is kept)."""

    __tablename__ = "search_salt"

    period: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    salt: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<SearchSalt period {self.period}>"


class HiddenHotWord(Model):
    """A query staff keep off the hot words (and the suggestions drawn from them)."""

    __tablename__ = "search_hidden_word"

    id: Mapped[int] = mapped_column(primary_key=True)
    word: Mapped[str] = mapped_column(sa.String(50), unique=True)
    hidden_by: Mapped[str] = mapped_column(sa.String(100))
    hidden_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<HiddenHotWord {self.word}>"


class SynonymGroup(Model):
    """Terms residents use for the same thing; a query for one also finds the others.

    ``terms`` holds the normalised terms separated by single spaces."""

    __tablename__ = "search_synonym_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    terms: Mapped[str] = mapped_column(sa.String(250))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(sa.String(100), default="system")

    def __repr__(self) -> str:
        return f"<SynonymGroup #{self.id} {self.terms}>"

    @property
    def term_list(self) -> list[str]:
        return self.terms.split()
