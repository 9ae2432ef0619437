"""What the public page of a consultation shows, gathered in one place."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import after_this_request, request

from portal.consultations import queries
from portal.consultations.forms import OpinionForm, opinion_form
from portal.consultations.models import Opinion, Question
from portal.consultations.tallies import QuestionTally
from portal.documents import catalog
from portal.documents.models import Document
from portal.documents.views import render_detail
from portal.errors import expired_form, render_error
from portal.orgs import directory
from portal.web.forms import EXPIRED


@dataclass
class ConsultationPage:
    state: catalog.ConsultationState
    received: int
    questions: list[Question]
    form: OpinionForm | None  # only while the consultation takes opinions
    opinions: list[Opinion]  # published ones, masked text only
    refused: str | None = None  # why a submission was not accepted
    adoption: list[tuple[str, str, int]] = field(default_factory=list)
    tallies: list[QuestionTally] = field(default_factory=list)


def build(
    doc: Document, *, form: OpinionForm | None = None, refused: str | None = None
) -> ConsultationPage:
    """The consultation part of ``doc``'s page; ``form`` is one being shown again with errors."""
    state = catalog.consultation_state(doc.extra or {})
    asked = queries.questions(doc)
    if state.code == "open" and doc.status == "published":
        form = form or opinion_form(asked)
        form.prepare()
        if form.expired and refused is None:
            refused = EXPIRED
        after_this_request(_no_store)  # a form, perhaps with what was typed in it
    else:
        form = None
    result = state.code == "result"
    return ConsultationPage(
        state=state,
        received=queries.received(doc),
        questions=asked,
        form=form,
        opinions=queries.published_opinions(doc),
        refused=refused,
        adoption=queries.published_adoption(doc) if result else [],
        tallies=queries.tallies(doc, asked) if result else [],
    )


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@expired_form("consultations.submit")
def expired_opinion():
    """The opinion form again, as typed, after its page expired (nothing was stored)."""
    doc = catalog.get_public(
        directory.current().id, "consultation", (request.view_args or {}).get("slug", "")
    )
    if doc is None:
        return render_error(404)
    form = opinion_form(queries.questions(doc))
    form.expired = True
    return render_detail(doc, status=400, form=form)
