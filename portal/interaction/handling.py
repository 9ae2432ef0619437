"""What every staff action on a resident's message, request or report of an error (纠错)
shares: the audit row, the resident's own details (masked wherever staff text is kept),
and the audited reveal."""

from __future__ import annotations

from typing import Any

from portal import audit
from portal.auth.actor import Actor, Permission, require
from portal.database import unit_of_work
from portal.interaction import privacy
from portal.interaction.models import FeedbackReport, InfoRequest, Message

Handled = Message | InfoRequest | FeedbackReport
#: ``audit_record.target_type`` of each kind of item.
TARGET_TYPES = {Message: "message", InfoRequest: "request", FeedbackReport: "feedback"}


def record(actor: Actor, action: str, target: Handled, **detail: Any) -> None:
    """Add an audit row about a message, request or report of an error to the current
    unit of work."""
    kind = TARGET_TYPES[type(target)]
    audit.record(actor.name, action, kind, target.id, org_id=target.organisation_id, **detail)


def own_details(target: Handled) -> dict[str, Any]:
    """The resident's own name and contacts, for ``privacy.mask_own_details``. An
    organisation's name is not personal data and stays."""
    if isinstance(target, FeedbackReport):
        return {"name": None, "contacts": [c for c in [target.contact] if c]}
    if isinstance(target, Message):
        return {"name": target.name, "contacts": [c for c in [target.contact] if c]}
    name = target.name if target.applicant_type == "person" else None
    contacts = [v for v in (target.phone, target.email, target.id_number, target.address) if v]
    return {"name": name, "contacts": contacts}


def for_audit(target: Handled, text: str) -> str:
    """Staff's free text (a note, a reason) as the audit log keeps it: with personal data
    and the resident's own details masked, since the log is kept for good and shown to
    every admin."""
    masked, _ = privacy.mask_own_details(text, **own_details(target))
    return masked


def reveal_personal_data(item: Handled, *, fields: list[str], actor: Actor) -> None:
    """Log that ``actor`` saw the full personal data of ``item``: which fields, never values."""
    require(actor, Permission.REVEAL_PERSONAL_DATA, item.organisation_id)
    with unit_of_work():
        record(actor, "reveal", item, fields=fields)
