"""annual report: review/litigation figures per year; applicant columns as in Table 三;
audit rows indexed by target type

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 02:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# Old request-form organisation types -> the annual report's Table 三 columns.
ORGANISATION_TYPES = {
    "企业": "商业企业",
    "律师事务所": "法律服务机构",
    "社会组织": "社会公益组织",
    "事业单位": "其他",
    "其他组织": "其他",
}
# Going back cannot tell 事业单位 from 其他组织; both return as 其他组织.
BACK = {
    "商业企业": "企业",
    "法律服务机构": "律师事务所",
    "社会公益组织": "社会组织",
    "其他": "其他组织",
}

FIGURES = [
    f"{group}_{result}"
    for group in ("review", "suit_direct", "suit_after_review")
    for result in ("upheld", "corrected", "other", "pending")
]


def _rename(mapping):
    statement = sa.text(
        "UPDATE info_request SET organisation_type = :new WHERE organisation_type = :old"
    )
    for old, new in mapping.items():
        op.execute(statement.bindparams(old=old, new=new))


def upgrade():
    op.create_table(
        "review_litigation_figures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in FIGURES],
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_litigation_figures")),
        sa.UniqueConstraint("year", name=op.f("uq_review_litigation_figures_year")),
    )
    _rename(ORGANISATION_TYPES)
    # Open data and the API ask for the newest audit row about messages.
    op.create_index("ix_audit_record_target_type_id", "audit_record", ["target_type", "id"])


def downgrade():
    op.drop_index("ix_audit_record_target_type_id", table_name="audit_record")
    _rename(BACK)
    op.drop_table("review_litigation_figures")
