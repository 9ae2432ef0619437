"""A consultation's questions (问卷): staff set them before it opens, never after an
opinion answered them. One unit of work per change, audited."""

from __future__ import annotations

from typing import Any

from portal import audit
from portal.auth.actor import Actor, Permission, require
from portal.consultations import queries
from portal.consultations.models import QUESTION_TYPES, Question
from portal.consultations.services import MAX_OPTIONS, MAX_QUESTIONS
from portal.database import reread, unit_of_work
from portal.documents import catalog, publishing
from portal.documents.models import Document
from portal.errors import InvalidTransition, ValidationError
from portal.extensions import db
from portal.states import DocumentStatus
from portal.text import CONTROL_CHARS


def _clean_question(item: dict[str, Any], n: int, errors: dict[str, str], key: str) -> Question:
    text = CONTROL_CHARS.sub("", item.get("text") or "").strip()
    kind = item.get("kind") or ""
    options = item.get("options") or []
    if isinstance(options, str):
        options = options.splitlines()
    options = [CONTROL_CHARS.sub("", o).strip() for o in options if isinstance(o, str)]
    options = [o for o in options if o]
    if not 2 <= len(text) <= 200:
        errors[f"{key}-text"] = f"第 {n} 题：题目应为 2 至 200 个字"
    if kind not in QUESTION_TYPES:
        errors[f"{key}-kind"] = f"第 {n} 题：请选择题型"
    if kind in {"single", "multiple"}:
        if not 2 <= len(options) <= MAX_OPTIONS:
            errors[f"{key}-options"] = f"第 {n} 题：选择题应有 2 至 {MAX_OPTIONS} 个选项，每行一个"
        elif any(len(o) > 100 for o in options):
            errors[f"{key}-options"] = f"第 {n} 题：每个选项不能超过 100 个字"
        elif len(set(options)) != len(options):
            errors[f"{key}-options"] = f"第 {n} 题：选项不能重复"
    else:
        options = []
    return Question(
        position=n - 1, kind=kind, text=text, options=options, required=bool(item.get("required"))
    )


def check_questions_editable(doc: Document, actor: Actor) -> None:
    """Refuse a change to the questions that would go live unreviewed or change what was
    asked: a closed consultation's never change, a published one's only by a reviewer
    (as for any published document), and none once opinions have arrived."""
    if doc.kind != "consultation":
        raise InvalidTransition("只有征集调查可以设置问题")
    state = catalog.consultation_state(doc.extra or {})
    if doc.status == DocumentStatus.PUBLISHED and (
        state.code not in {"upcoming", "open"} or (doc.extra or {}).get("result_summary")
    ):
        raise InvalidTransition("征集已经截止，问题不能再修改")
    publishing.check_editable(doc, actor)
    if queries.received(doc):
        raise InvalidTransition("已经收到意见，问题不能再修改（修改会使已收到的回答无法统计）")


def set_questions(doc: Document, items: list[dict[str, Any]], *, actor: Actor) -> list[Question]:
    """Replace the consultation's questions (see ``check_questions_editable`` for when).

    Each item has ``text``, ``kind`` (single, multiple, text), ``options`` (a list, or
    one per line) and ``required``. Errors are keyed ``questions-<i>-<field>`` by the
    item's position in ``items``.
    """
    require(actor, Permission.SET_QUESTIONS, doc.organisation_id)
    if len(items) > MAX_QUESTIONS:
        raise ValidationError({"questions": f"最多设置 {MAX_QUESTIONS} 个问题"})
    errors: dict[str, str] = {}
    new = [
        _clean_question(item, n, errors, f"questions-{n - 1}") for n, item in enumerate(items, 1)
    ]
    if errors:
        raise ValidationError(errors)
    with unit_of_work():
        check_questions_editable(reread(doc), actor)
        for old in queries.questions(doc):
            db.session.delete(old)
        db.session.flush()
        for question in new:
            question.document_id = doc.id
            db.session.add(question)
        audit.record(
            actor.name,
            "questions_set",
            "document",
            doc.id,
            org_id=doc.organisation_id,
            count=len(new),
            title=doc.title,
        )
    return new
