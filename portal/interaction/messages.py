"""Staff actions on a public message (网友留言): answer it, preview and publish it with the
public texts the handler confirmed, take it off the site. Each is one unit of work that
checks its actor, re-reads the message after the lock, checks its state, writes and audits."""

from __future__ import annotations

from portal.auth.actor import Actor, Permission, require
from portal.database import reread, unit_of_work
from portal.errors import InvalidTransition, ValidationError
from portal.interaction import handling, notices, publication
from portal.interaction.models import Message
from portal.states import MessageStatus
from portal.timeutil import utcnow


def _check_publishable_message(message: Message) -> None:
    if message.status != MessageStatus.ANSWERED:
        raise InvalidTransition("只有已答复的留言可以公开")
    if message.published:
        raise InvalidTransition("该留言已经公开")
    if message.quarantined:
        raise InvalidTransition("该留言被系统拦截，不能公开")
    if not message.consent:
        raise InvalidTransition("留言人未同意公开")


MESSAGE_PUBLIC_FIELDS = {"subject": "留言标题", "content": "留言内容", "reply": "答复内容"}


def message_preview(message: Message) -> dict[str, publication.PublicText]:
    """What publishing would show: each text with personal data masked and marked, for
    the handler to check (and edit) before confirming. Writes nothing."""
    _check_publishable_message(message)
    own = handling.own_details(message)
    return {
        name: publication.prepare(getattr(message, name) or "", label=label, **own)
        for name, label in MESSAGE_PUBLIC_FIELDS.items()
    }


def publish_message(message: Message, *, texts: dict[str, str], actor: Actor) -> None:
    """Publish an answered message with the public texts the handler confirmed (masked in
    the preview, maybe edited). The texts are stored as they are; any that still holds
    personal data is refused, and nothing is published."""
    require(actor, Permission.HANDLE_MESSAGES, message.organisation_id)
    cleaned = publication.check_texts(texts, MESSAGE_PUBLIC_FIELDS, **handling.own_details(message))
    with unit_of_work():
        reread(message)
        automatic = message_preview(message)  # checks that it may be published
        edited = [text.label for name, text in automatic.items() if cleaned[name] != text.masked]
        message.public_subject = cleaned["subject"]
        message.public_content = cleaned["content"]
        message.public_reply = cleaned["reply"]
        message.published = True
        notices.notify(message, "published", once=True)  # not again after an unpublish
        masked = sum(len(text.findings) for text in automatic.values())
        detail = {"masked": masked, **({"edited": "、".join(edited)} if edited else {})}
        handling.record(actor, "publish", message, **detail)


def answer_message(message: Message, *, reply: str, department: str, actor: Actor) -> Message:
    """Record the office's reply to a message (or correct it while it is not public)."""
    require(actor, Permission.HANDLE_MESSAGES, message.organisation_id)
    errors = {}
    if not (reply or "").strip():
        errors["reply"] = "答复内容：必填"
    if not (department or "").strip():
        errors["department"] = "答复部门：必填"
    if errors:
        raise ValidationError(errors)
    with unit_of_work():
        reread(message)
        if message.published:
            raise InvalidTransition("留言已公开，请先取消公开再修改答复")
        first_answer = message.status != MessageStatus.ANSWERED
        message.reply = reply.strip()
        message.reply_department = department.strip()
        message.replied_at = utcnow()
        message.status = MessageStatus.ANSWERED
        handling.record(actor, "answer", message, department=message.reply_department)
        if first_answer:
            notices.notify(message, "answered")
    return message


def unpublish_message(message: Message, *, actor: Actor, reason: str) -> None:
    """Take a message off the public list."""
    require(actor, Permission.HANDLE_MESSAGES, message.organisation_id)
    with unit_of_work():
        reread(message)
        if not message.published:
            raise InvalidTransition("该留言没有公开")
        message.published = False
        handling.record(
            actor, "unpublish", message, reason=handling.for_audit(message, reason or "")
        )
