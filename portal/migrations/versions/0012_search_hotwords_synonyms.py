"""search: the anonymised query log behind the hot words (热词), its per-period salts, the
hot words staff hid, and synonym groups staff edit (seeded from ``data/synonyms.txt``)

- ``search_query_log``: the normalised query, its 7-day period and a salted hash of the
  client (never the address); purged after 90 days.
- ``search_salt``: one random salt per period; ended periods' salts are deleted.
- ``search_hidden_word``: queries kept off the hot words by staff.
- ``search_synonym_group``: space-separated terms, seeded with the shipped file's groups.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 00:00:00

"""

import unicodedata
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

SYNONYMS = Path(__file__).resolve().parents[2] / "search" / "data" / "synonyms.txt"


def _file_groups() -> list[str]:
    """The shipped groups, each as its normalised terms joined by spaces (a term already
    in an earlier group is dropped, as the staff screen would refuse it)."""
    seen: set[str] = set()
    groups = []
    for line in SYNONYMS.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        terms = []
        for raw in line.split():
            term = unicodedata.normalize("NFKC", raw).lower()
            if term not in seen and 1 <= len(term) <= 20:
                seen.add(term)
                terms.append(term)
        if len(terms) >= 2:
            groups.append(" ".join(terms[:10]))
    return groups


def upgrade():
    op.create_table(
        "search_query_log",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("word", sa.String(length=50), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_query_log")),
    )
    op.create_index(
        "ix_search_query_log_period_word_client",
        "search_query_log",
        ["period", "word", "client"],
    )
    op.create_index("ix_search_query_log_created_at", "search_query_log", ["created_at"])
    op.create_table(
        "search_salt",
        sa.Column("period", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("salt", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("period", name=op.f("pk_search_salt")),
    )
    op.create_table(
        "search_hidden_word",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("word", sa.String(length=50), nullable=False),
        sa.Column("hidden_by", sa.String(length=100), nullable=False),
        sa.Column("hidden_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_hidden_word")),
        sa.UniqueConstraint("word", name=op.f("uq_search_hidden_word_word")),
    )
    synonym = op.create_table(
        "search_synonym_group",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("terms", sa.String(length=250), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_synonym_group")),
    )
    now = datetime.now(UTC).replace(tzinfo=None)  # naive UTC, as UTCDateTime stores it
    rows = [{"terms": terms, "updated_at": now, "updated_by": "system"} for terms in _file_groups()]
    if rows:
        op.bulk_insert(synonym, rows)


def downgrade():
    op.drop_table("search_synonym_group")
    op.drop_table("search_hidden_word")
    op.drop_table("search_salt")
    op.drop_index("ix_search_query_log_created_at", table_name="search_query_log")
    op.drop_index("ix_search_query_log_period_word_client", table_name="search_query_log")
    op.drop_table("search_query_log")
