"""``/admin/requests/new``: a handler registers an information request that came by letter
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
from flask import render_template, request

from portal.auth.actor import Permission
from portal.auth.blueprint import bp, current_actor
from portal.errors import ValidationError
from portal.extensions import db
from portal.interaction import info_requests
from portal.interaction.models import InfoRequest
from portal.interaction.staff import current_day, show_errors
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
