"""a platform's counts: published documents per organisation and kind kept in a small
table (``document_tally``), an index for a list page's topic counts, and the id at the end
of an organisation's list index (deep pages read index entries only); on PostgreSQL, an
index for the documents that point at a page (``extra.interpretation``)

Measured on the district benchmark (bench/district.py, 500,000 documents): grouping the
document table for ``/orgs/`` and the supervision view took 130–380 ms on PostgreSQL; the
topic counts of a big organisation's list page read the heap (460 ms).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 20:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "document_tally",
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("published", sa.Integer(), nullable=False),
        sa.Column("newest_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_document_tally_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organisation_id", "kind", name=op.f("pk_document_tally")),
    )
    op.execute(
        "INSERT INTO document_tally (organisation_id, kind, published, newest_at) "
        "SELECT organisation_id, kind, count(*), max(published_at) FROM document "
        "WHERE status = 'published' GROUP BY organisation_id, kind"
    )
    op.create_index(
        "ix_document_org_kind_status_topic",
        "document",
        ["organisation_id", "kind", "status", "topic"],
    )
    # With the id at its end, a list page's ids come from the index alone, however deep
    # the page (the deferred join of ``catalog.newest_first``).
    op.create_index(
        "ix_document_org_kind_status_published_id",
        "document",
        ["organisation_id", "kind", "status", "published_at", "id"],
    )
    op.drop_index("ix_document_org_kind_status_published", table_name="document")
    if op.get_bind().dialect.name == "postgresql":
        # A detail page asks which published documents point at it ("解读" of a policy,
        # ``catalog.referring``): on PostgreSQL an index on that JSON field, written as the
        # query compiles it, answers without reading an organisation's every policy.
        op.execute(
            "CREATE INDEX ix_document_interpretation ON document "
            "(organisation_id, (CAST((extra ->> 'interpretation') AS VARCHAR))) "
            "WHERE status = 'published'"
        )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_document_interpretation", table_name="document")
    op.create_index(
        "ix_document_org_kind_status_published",
        "document",
        ["organisation_id", "kind", "status", "published_at"],
    )
    op.drop_index("ix_document_org_kind_status_published_id", table_name="document")
    op.drop_index("ix_document_org_kind_status_topic", table_name="document")
    op.drop_table("document_tally")
