"""A request's staff screens beyond the inbox: a request's files, and registering one.

``/admin/requests/<id>/files/<id>``: the applicant's 补正 material and the answer's files,
for the staff of the request's organisation only.

``/admin/requests/new``: a handler registers an information request that came by letter
(信函), fax (传真) or in person (当面, including one made orally and written down by the
handler, 政府信息公开条例 Art. 29), with the day it was received (Art. 31).

The form is the public one's (the same fields and checks); the request is then stored by
the same service as an online one (``info_requests.register_request`` →
``submissions.submit_request``) and follows the same clock, inbox and mails. The receipt
page shows its tracking number and query code once, to print and hand or post to the
applicant.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, render_template, request

from portal.auth.actor import Permission
from portal.auth.blueprint import bp, current_actor
from portal.errors import ValidationError
from portal.extensions import db
from portal.interaction import info_requests, request_files
from portal.interaction.models import InfoRequest, RequestFile
from portal.interaction.staff import current_day, get_item, show_errors
from portal.interaction.staff_forms import RegisterRequestForm
from portal.orgs import directory
from portal.web.forms import options


def register_orgs() -> list[directory.Org]:
    """The organisations whose requests the signed-in handler may register."""
    ids = current_actor().org_ids(Permission.HANDLE_REQUESTS)
    return [org for org in directory.all_orgs() if ids is None or org.id in ids]


@bp.route("/requests/new", methods=["GET", "POST"])
def request_new():
    """Register a request that came by letter, fax or in person; on success, its receipt
    (tracking number and query code, shown this once)."""
    orgs = register_orgs()
    form = RegisterRequestForm()
    form.organisation.choices = options(*[(org.code, org.name) for org in orgs])
    if request.method == "GET":
        form.organisation.data = orgs[0].code if orgs else ""
        form.received_on.data = current_day().isoformat()
    if form.validate_on_submit():
        # Another organisation's code is the service's to refuse (403), not the form's.
        code = form.organisation.data or (orgs[0].code if orgs else "")
        org = directory.by_code(code)
        if org is None:
            show_errors(form, {"organisation": "受理单位：请从列表中选择"})
        else:
            try:
                receipt = info_requests.register_request(
                    form.request_fields(),
                    channel=form.channel.data or "",
                    received_on=form.received_day,
                    org_id=org.id,
                    form_token=form.form_token.data or "",
                    actor=current_actor(),
                )
            except ValidationError as exc:
                show_errors(form, exc.errors)
            else:
                item = db.session.scalar(
                    sa.select(InfoRequest).where(InfoRequest.tracking_no == receipt.tracking_no)
                )
                return render_template(
                    "admin/inbox/registered.html", receipt=receipt, item=item, org=org
                )
    form.prepare()
    status = 400 if request.method == "POST" else 200
    return render_template("admin/inbox/register.html", form=form, several=len(orgs) > 1), status


@bp.get("/requests/<id:request_id>/files/<id:file_id>")
def request_file(request_id: int, file_id: int):
    """Download a file of a request of one's organisation: the applicant's 补正 material or
    the answer's files (never kept by the browser)."""
    item = get_item(InfoRequest, request_id)
    row = db.session.get(RequestFile, file_id)
    if row is None or row.request_id != item.id:
        abort(404)
    return request_files.send(row)


@bp.url_value_preprocessor
def _reply_size_limit(endpoint: str | None, values: dict | None) -> None:
    """Let the answer to a request carry its files (before CSRF protection parses it)."""
    if endpoint == "admin.request_close":
        request.max_form_memory_size = request_files.TEXT_BYTES
        request.max_content_length = request_files.body_limit()
