"""Information released on request proposed for proactive disclosure (政府信息公开条例
Art. 44): the draft made of it, with nothing of the applicant left, filed for an editor to
review through the publishing service (``documents.proposals``)."""

from __future__ import annotations

import dataclasses
from typing import Any

from portal.auth.actor import Actor
from portal.documents import proposals
from portal.errors import ValidationError
from portal.interaction import detect, handling, privacy
from portal.interaction.models import InfoRequest

#: The outcomes whose information may be disclosed to everyone.
OUTCOMES = frozenset({"disclosed", "partly"})


def propose(item: InfoRequest, column: str | None, actor: Actor) -> None:
    """File the released information as a draft (inside the closing's unit of work) and
    record the link on the request."""
    try:
        doc = proposals.propose(
            proactive_draft(item), actor=actor, org_id=item.organisation_id, column=column
        )
    except ValidationError as exc:  # a column of another organisation, or none
        raise ValidationError(
            {
                "proactive_column" if name == "catalog" else name: message
                for name, message in exc.errors.items()
            }
        ) from None
    item.proactive_document_id = doc.id
    handling.record(actor, "propose_disclosure", item, document=doc.id)


TITLE_LENGTH = 100
PROACTIVE_NOTE = (
    "本信息为依申请公开的政府信息，经审查可以公开，"
    "依据《中华人民共和国政府信息公开条例》第四十四条纳入主动公开范围。"
)


REDACTED = "×××"


def without_applicant(item: InfoRequest, text: str | None) -> str:
    """``text`` with nothing of the applicant left for a public page: their name (a
    person's or an organisation's) replaced by 申请人, their contacts, ID number and address
    and any other personal data found (not even a masked part of it) by ×××."""
    own = handling.own_details(item)
    _, findings = privacy.mask_own_details(text or "", name=item.name, contacts=own["contacts"])
    findings = [
        dataclasses.replace(found, masked="申请人" if found.kind == "name" else REDACTED)
        for found in findings
    ]
    return detect.replace(text or "", findings)[0].strip()


def proactive_draft(item: InfoRequest) -> dict[str, Any]:
    """The fields of the draft made from a request's released information: its title (what
    was asked for) and the released text (the reply), without the applicant; nothing that
    would lead back to the request."""
    title = " ".join(without_applicant(item, item.description).split())
    if len(title) > TITLE_LENGTH:
        title = title[: TITLE_LENGTH - 1] + "…"
    body = without_applicant(item, item.reply)
    return {
        "title": title,
        "topic": "综合政务",
        "body": f"{body}\n\n{PROACTIVE_NOTE}" if body else PROACTIVE_NOTE,
    }
