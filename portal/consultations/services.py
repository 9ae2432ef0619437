"""Services for consultations: residents' opinions, staff questions, moderation, the result.

Every write is one unit of work (``database.unit_of_work``: lock, re-read, check, write,
audit, commit). The result (结果反馈) is written to the consultation document through
``portal.publishing``, so search, feeds and the API follow it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import has_request_context

from portal import audit, timeutil
from portal.auth.actor import Actor, Permission, require
from portal.consultations import queries
from portal.consultations.models import ADOPTION, Opinion, Question
from portal.database import reread, unit_of_work
from portal.documents import catalog, publishing
from portal.documents.models import Document
from portal.errors import InvalidTransition, ValidationError
from portal.extensions import db
from portal.interaction import publication
from portal.orgs import directory
from portal.outbox import queue
from portal.states import DocumentStatus, OpinionStatus
from portal.timeutil import utcnow

MAX_QUESTIONS = 20
MAX_OPTIONS = 20
CONTENT_MIN, CONTENT_MAX = 5, 2000
TEXT_ANSWER_MAX = 1000
REASON_MAX = 500


def _day(value: str) -> str:
    return f"{date.fromisoformat(value):%Y年%m月%d日}"


def check_open(doc: Document, on: date | None = None) -> None:
    """Raise ``InvalidTransition`` with a Chinese message unless ``doc`` takes opinions now."""
    if doc.kind != "consultation" or doc.status != DocumentStatus.PUBLISHED:
        raise InvalidTransition("该征集未在公开发布中，不接收意见")
    extra = doc.extra or {}
    state = catalog.consultation_state(extra, on)
    if state.code == "upcoming":
        raise InvalidTransition(f"本次征集将于 {_day(extra['opens_on'])} 开始，目前还不能提交意见")
    if state.code != "open":
        raise InvalidTransition(
            f"本次征集已于 {_day(extra['closes_on'])} 截止，不再接收意见。感谢您的关注。"
        )


# -- residents ------------------------------------------------------------------------


def clean_answer(question: Question, raw: Any) -> int | list[int] | str | None:
    """One answer checked against its question; raises ``ValueError`` with a Chinese message.

    ``raw`` is what the form sent: an option index as text (single), a list of them
    (multiple), or the text typed. Returns what is stored, or None for no answer.
    """
    head = f"第 {question.number} 题"
    if question.kind == "text":
        text = raw.strip() if isinstance(raw, str) else ""
        if len(text) > TEXT_ANSWER_MAX:
            raise ValueError(f"{head}：不能超过 {TEXT_ANSWER_MAX} 个字")
        if not text and question.required:
            raise ValueError(f"{head}：必填")
        return text or None
    values = raw if isinstance(raw, list) else [] if raw in (None, "") else [raw]
    chosen = []
    for value in values:
        if not (isinstance(value, str) and value.isdigit() and int(value) < len(question.options)):
            raise ValueError(f"{head}：请从给出的选项中选择")
        chosen.append(int(value))
    chosen = sorted(set(chosen))
    if question.kind == "single" and len(chosen) > 1:
        raise ValueError(f"{head}：只能选择一项")
    if not chosen:
        if question.required:
            raise ValueError(
                f"{head}：请选择一项" if question.kind == "single" else f"{head}：请至少选择一项"
            )
        return None
    return chosen[0] if question.kind == "single" else chosen


def clean_answers(questions: list[Question], raw: dict[str, Any]) -> dict[str, Any]:
    """All answers keyed by question id; raises ``ValidationError`` keyed by form field."""
    answers: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for question in questions:
        try:
            value = clean_answer(question, raw.get(question.field_name))
        except ValueError as exc:
            errors[question.field_name] = str(exc)
            continue
        if value is not None:
            answers[str(question.id)] = value
    if errors:
        raise ValidationError(errors)
    return answers


def _clean_content(content: str, *, asked: bool, answered: bool) -> str:
    content = (content or "").strip()
    if not content:
        if not asked:
            raise ValidationError({"content": "意见内容：必填"})
        if not answered:
            raise ValidationError({"content": "意见内容：请填写意见，或回答上面的问题"})
        return ""
    if not CONTENT_MIN <= len(content) <= CONTENT_MAX:
        raise ValidationError({"content": f"意见内容：应为 {CONTENT_MIN} 至 {CONTENT_MAX} 个字"})
    return content


def validate_opinion(
    asked: list[Question], data: dict[str, Any], raw_answers: dict[str, Any]
) -> tuple[dict[str, Any], str]:
    """The answers and opinion text to store; raises ``ValidationError`` with every problem."""
    errors: dict[str, str] = {}
    try:
        answers = clean_answers(asked, raw_answers)
    except ValidationError as exc:
        errors.update(exc.errors)
        answers = {}
    content = ""
    try:
        content = _clean_content(
            data.get("content") or "", asked=bool(asked), answered=bool(answers) or bool(errors)
        )
    except ValidationError as exc:
        errors.update(exc.errors)
    if errors:
        raise ValidationError(errors)
    return answers, content


def submit_opinion(
    doc: Document,
    data: dict[str, Any],
    *,
    raw_answers: dict[str, Any],
    form_token: str,
    quarantine: str | None = None,
) -> Opinion:
    """Store a resident's opinion once per form token, only while the consultation is open.

    ``data`` has ``content``, ``name``, ``contact`` and ``consent``; ``raw_answers`` the
    form's answers by field name. Nothing is stored when anything is refused.
    """
    with unit_of_work():
        existing = db.session.scalar(sa.select(Opinion).where(Opinion.form_token == form_token))
        if existing is not None:  # the same form sent twice: one opinion
            return existing
        check_open(reread(doc))
        answers, content = validate_opinion(queries.questions(doc), data, raw_answers)
        opinion = Opinion(
            document_id=doc.id,
            form_token=form_token,
            content=content,
            answers=answers,
            name=data.get("name") or None,
            contact=data.get("contact") or None,
            consent=bool(data.get("consent")),
            quarantined=quarantine is not None,
            quarantine_reason=quarantine,
        )
        db.session.add(opinion)
        _notify(opinion, doc, "received")
    return opinion


def _notify(opinion: Opinion, doc: Document, event: str) -> None:
    """Mail the sender (when they left an e-mail address and were not quarantined) that
    their opinion was received or published, linking to the consultation's page; once per
    event (an opinion hidden and published again is not announced twice)."""
    if opinion.quarantined or queue.mail_address(opinion.contact) is None:
        return
    db.session.flush()
    queue.notify(
        org_id=doc.organisation_id,
        organisation=directory.get(doc.organisation_id).name,
        item_type="opinion",
        item_id=opinion.id,
        event=event,
        recipient=opinion.contact,
        tracking_no=None,
        link=_page(doc),
        once=True,
    )


def _page(doc: Document) -> str:
    """The consultation's page (outside a request, e.g. a command, built by hand)."""
    if has_request_context():
        return doc.url
    code = directory.url_code(doc.organisation_id)
    return f"{'/org/' + code if code else ''}/{doc.kind}/{doc.slug}"


# -- staff: moderation ----------------------------------------------------------------


def own_details(opinion: Opinion) -> dict[str, Any]:
    """The sender's own name and contact, for ``privacy.mask_own_details``."""
    return {"name": opinion.name, "contacts": [opinion.contact] if opinion.contact else []}


def _check_publishable(opinion: Opinion) -> None:
    if opinion.quarantined:
        raise InvalidTransition("该意见被系统拦截，不能公开")
    if not opinion.consent:
        raise InvalidTransition("提交人未同意公开意见内容")
    if opinion.status == OpinionStatus.PUBLISHED:
        raise InvalidTransition("该意见已经公开")
    if not opinion.content:
        raise InvalidTransition("该意见只有问题回答，没有可公开的意见内容")


OPINION_PUBLIC_FIELDS = {"content": "意见内容"}


def opinion_preview(opinion: Opinion) -> publication.PublicText:
    """The opinion as it would be published, personal data masked and marked (no write)."""
    _check_publishable(opinion)
    return publication.prepare(opinion.content, label="意见内容", **own_details(opinion))


def publish_opinion(opinion: Opinion, *, content: str, actor: Actor) -> None:
    """Show an opinion on the consultation page with the public text the handler confirmed
    (masked in the preview, maybe edited); refused while it still holds personal data."""
    require(actor, Permission.MODERATE_OPINIONS, opinion.document.organisation_id)
    cleaned = publication.check_texts(
        {"content": content}, OPINION_PUBLIC_FIELDS, **own_details(opinion)
    )
    with unit_of_work():
        reread(opinion)
        _check_publishable(opinion)
        automatic = opinion_preview(opinion)
        opinion.public_content = cleaned["content"]
        opinion.status = OpinionStatus.PUBLISHED
        opinion.hidden_reason = None
        _notify(opinion, opinion.document, "published")  # the first time only
        opinion.moderated_at = utcnow()
        edited = {"edited": "意见内容"} if cleaned["content"] != automatic.masked else {}
        audit.record(
            actor.name,
            "opinion_publish",
            "opinion",
            opinion.id,
            org_id=opinion.document.organisation_id,
            masked=len(automatic.findings),
            **edited,
        )


def reveal_opinion(opinion: Opinion, *, actor: Actor) -> None:
    """Log that ``actor`` saw an opinion's sender and text in full (never the values)."""
    require(actor, Permission.REVEAL_PERSONAL_DATA, opinion.document.organisation_id)
    with unit_of_work():
        audit.record(
            actor.name,
            "reveal",
            "opinion",
            opinion.id,
            org_id=opinion.document.organisation_id,
            fields=["name", "contact", "content"],
        )


def hide_opinion(opinion: Opinion, *, reason: str, actor: Actor) -> None:
    """Keep an opinion off the public page (or take it off), with a reason for the log."""
    require(actor, Permission.MODERATE_OPINIONS, opinion.document.organisation_id)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "不公开原因：必填"})
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": f"不公开原因：不能超过 {REASON_MAX} 个字"})
    with unit_of_work():
        reread(opinion)
        if opinion.status == OpinionStatus.HIDDEN:
            raise InvalidTransition("该意见已设为不公开")
        opinion.status = OpinionStatus.HIDDEN
        opinion.public_content = None
        opinion.hidden_reason = reason
        opinion.moderated_at = utcnow()
        audit.record(
            actor.name,
            "opinion_hide",
            "opinion",
            opinion.id,
            org_id=opinion.document.organisation_id,
            reason=reason,
        )


def adopt_opinion(opinion: Opinion, *, decision: str, note: str, actor: Actor) -> None:
    """Record whether the office adopted an opinion (采纳 / 部分采纳 / 未采纳)."""
    require(actor, Permission.MODERATE_OPINIONS, opinion.document.organisation_id)
    errors = {}
    if decision not in ADOPTION:
        errors["decision"] = "采纳情况：请选择采纳、部分采纳或未采纳"
    note = (note or "").strip()
    if len(note) > REASON_MAX:
        errors["note"] = f"说明：不能超过 {REASON_MAX} 个字"
    if errors:
        raise ValidationError(errors)
    with unit_of_work():
        reread(opinion)
        if opinion.quarantined:
            raise InvalidTransition("该意见被系统拦截，不计入结果")
        opinion.adoption = decision
        opinion.adoption_note = note or None
        audit.record(
            actor.name,
            "opinion_adopt",
            "opinion",
            opinion.id,
            org_id=opinion.document.organisation_id,
            decision=ADOPTION[decision],
        )


# -- staff: the result ----------------------------------------------------------------


def publish_result(doc: Document, *, summary: str, actor: Actor) -> Document:
    """Publish (or correct) the result of a closed consultation: the summary and how many
    opinions were adopted, through the publishing service. Every counted opinion must
    have an adoption decision first."""
    require(actor, Permission.PUBLISH_RESULTS, doc.organisation_id)
    with unit_of_work():
        reread(doc)
        if doc.kind != "consultation" or doc.status != DocumentStatus.PUBLISHED:
            raise InvalidTransition("只有已发布的征集可以公布结果")
        extra = doc.extra or {}
        if catalog.consultation_state(extra).code in {"upcoming", "open"}:
            raise InvalidTransition(f"征集到 {_day(extra['closes_on'])} 才截止，截止后才能公布结果")
        summary = (summary or "").strip()
        if not summary:
            raise ValidationError({"result_summary": "结果反馈：必填"})
        counts = queries.adoption(doc)
        if counts.undecided:
            raise ValidationError(
                {
                    "adoption": f"还有 {counts.undecided} 条意见没有登记采纳情况，"
                    "请先在意见列表中登记"
                }
            )
        first = not extra.get("result_summary")
        data = {
            "result_summary": summary,
            "result_published_on": extra.get("result_published_on") or timeutil.today().isoformat(),
            **counts.as_fields(),
        }
        audit.record(
            actor.name,
            "result_publish",
            "document",
            doc.id,
            org_id=doc.organisation_id,
            title=doc.title,
            adopted=counts.adopted,
            partly=counts.partly,
            rejected=counts.rejected,
        )
        note = "公布征集结果" if first else "更正征集结果"
        return publishing.update(doc, data, actor=actor, note=note)
