"""Example public messages for the demo site (``content/messages.yaml``), marked 示例."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
import yaml

from portal.database import unit_of_work
from portal.extensions import db
from portal.interaction.models import Message
from portal.orgs import directory
from portal.states import MessageStatus
from portal.timeutil import parse_local


def load_examples(path: Path) -> int:
    """Create the example messages not yet in the database (the home organisation's, or
    the one an item names with ``organisation: CODE``); returns how many were added."""
    if not path.is_file():
        return 0
    items = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    with unit_of_work():
        added = 0
        for number, item in enumerate(items, 1):
            token = f"example:{item['key']}"
            if db.session.scalar(sa.select(Message.id).where(Message.form_token == token)):
                continue
            received = parse_local(str(item["received"]))
            org = directory.by_code(item["organisation"]) if "organisation" in item else None
            db.session.add(
                Message(
                    organisation_id=(org or directory.home()).id,
                    tracking_no=f"LY-{received.year}-{900000 + number:06d}",
                    code_hash="!example",  # no query code: examples cannot be tracked
                    form_token=token,
                    subject=item["subject"],
                    content=item["content"],
                    category=item["category"],
                    consent=True,
                    status=MessageStatus.ANSWERED,
                    received_at=received,
                    reply=item["reply"],
                    reply_department=item["department"],
                    replied_at=parse_local(str(item["replied"])),
                    published=True,
                    public_subject=item["subject"],
                    public_content=item["content"],
                    public_reply=item["reply"],
                    is_example=True,
                )
            )
            added += 1
    return added
