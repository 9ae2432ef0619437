"""What every staff action on a resident's message or request shares: the audit row, the
resident's own details (masked wherever staff text is kept), and the audited reveal."""

from __future__ import annotations

from typing import Any

from portal import audit
from portal.auth.actor import Actor, Permission, require
from portal.database import unit_of_work
from portal.interaction import privacy
from portal.interaction.models import InfoRequest, Message


def record(actor: Actor, action: str, target: Message | InfoRequest, **detail: Any) -> None:
    """Add an audit row about a message or request to the current unit of work."""
    kind = "message" if isinstance(target, Message) else "request"
    audit.record(actor.name, action, kind, target.id, org_id=target.organisation_id, **detail)


def own_details(target: Message | InfoRequest) -> dict[str, Any]:
    """The resident's own name and contacts, for ``privacy.mask_own_details``. An
    organisation's name is not personal data and stays."""
    if isinstance(target, Message):
        return {"name": target.name, "contacts": [c for c in [target.contact] if c]}
    name = target.name if target.applicant_type == "person" else None
    contacts = [v for v in (target.phone, target.email, target.id_number, target.address) if v]
    return {"name": name, "contacts": contacts}


def for_audit(target: Message | InfoRequest, text: str) -> str:
    """Staff's free text (a note, a reason) as the audit log keeps it: with personal data
    and the resident's own details masked, since the log is kept for good and shown to
    every admin."""
    masked, _ = privacy.mask_own_details(text, **own_details(target))
    return masked


def reveal_personal_data(item: Message | InfoRequest, *, fields: list[str], actor: Actor) -> None:
    """Log that ``actor`` saw the full personal data of ``item``: which fields, never values."""
    require(actor, Permission.REVEAL_PERSONAL_DATA, item.organisation_id)
    with unit_of_work():
        record(actor, "reveal", item, fields=fields)
