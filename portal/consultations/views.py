"""Residents send their opinion on a consultation (征集调查) while it is open."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template

from portal.consultations import queries, services
from portal.consultations.forms import OpinionForm, opinion_form
from portal.documents import catalog
from portal.documents.views import render_detail
from portal.errors import InvalidTransition, ValidationError
from portal.extensions import limiter
from portal.orgs import directory
from portal.web.orgroutes import org_route

bp = Blueprint("consultations", __name__)


def _opinion_rate() -> str:
    # Opinions share the message box's setting; each form has its own budget per client.
    return current_app.config["MESSAGE_RATE"]


@org_route(bp, "/consultation/<slug>/opinions", methods=["POST"])
@limiter.limit(_opinion_rate, deduct_when=lambda r: r.status_code < 400)
def submit(slug: str):
    """Take a resident's opinion; outside the open window nothing is stored (409)."""
    doc = catalog.get_public(directory.current().id, "consultation", slug)
    if doc is None:
        abort(404)
    try:
        services.check_open(doc)
    except InvalidTransition as exc:
        return render_detail(doc, status=409, refused=str(exc))
    asked = queries.questions(doc)
    form = opinion_form(asked)
    if form.validate_on_submit():
        try:
            services.submit_opinion(
                doc,
                form.fields(),
                raw_answers=form.raw_answers(),
                form_token=form.form_token.data or "",
                quarantine=form.trap(),
            )
        except InvalidTransition as exc:  # it closed while the form was being sent
            return render_detail(doc, status=409, refused=str(exc))
        except ValidationError as exc:
            _show(form, exc)
        else:
            return render_template("consultations/submitted.html", doc=doc)
    elif "csrf_token" not in form.errors:
        try:  # tell every problem at once, not the form's first and the answers' next time
            services.validate_opinion(asked, form.fields(), form.raw_answers())
        except ValidationError as exc:
            _show(form, exc)
    return render_detail(doc, status=400, form=form)


def _show(form: OpinionForm, exc: ValidationError) -> None:
    """Put the service's messages on the fields they are about."""
    for name, message in exc.errors.items():
        target = form._fields.get(name, form.content)
        if message not in target.errors:
            target.errors = [*target.errors, message]
