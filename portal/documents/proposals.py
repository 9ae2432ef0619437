"""Information released on request, proposed for proactive disclosure (政府信息公开条例
Art. 44: several applicants asked for the same information, or an applicant suggested it,
and it may be disclosed): a draft made through the publishing service by the request's
handler, filed under a column of the organisation's 公开目录 (by default 依申请公开转主动公开)
for an editor to review. It is never public until a reviewer publishes it, and it holds
nothing of the request or its applicant: the caller gives only the texts to publish.
"""

from __future__ import annotations

from typing import Any

from portal.auth.actor import Actor, Permission, require
from portal.database import unit_of_work
from portal.documents import filing, publishing
from portal.documents.models import Document
from portal.errors import ValidationError

#: The kind of such a draft; its editor may change its fields and its column.
KIND = "notice"
#: The note of its first revision, for the editor who takes it up.
NOTE = (
    "依申请公开的信息，办理人员认为可以纳入主动公开范围（《政府信息公开条例》第四十四条），"
    "请审核后发布"
)
NOT_A_COLUMN = "公开目录栏目：请从本单位的栏目中选择"


def propose(data: dict[str, Any], *, actor: Actor, org_id: int, column: str | None) -> Document:
    """A draft of organisation ``org_id`` with the fields ``data`` (title, body …), filed
    under its column keyed ``column`` (None or empty: ``filing.proactive_column``); a key
    that is not one of its columns is refused (``ValidationError`` on ``catalog``)."""
    require(actor, Permission.PROPOSE_DISCLOSURE, org_id)
    with unit_of_work():
        filing.ensure(org_id)  # the organisation's own columns, made now if it has none yet
        key = column or filing.proactive_column(org_id)
        node = filing.node_id(org_id, key) if key else None
        if node is None:
            raise ValidationError({"catalog": NOT_A_COLUMN})
        return publishing.create(
            KIND, "", data, actor=actor, org_id=org_id, catalog=[node], proposal=NOTE
        )
