"""``/admin/profiles``: each organisation's 机构概况 (``/about/``), kept by its own admins.

The form carries contacts, functions, directions, 内设机构 and leaders (blank rows to add,
a row emptied to remove); ``portal.orgs.profile`` checks everything and records the review.
"""

from __future__ import annotations

from typing import Any

from flask import render_template, request
from wtforms import FieldList, FormField, StringField, TextAreaField

from portal.auth.blueprint import bp, current_actor, guard
from portal.errors import NotAuthorized, NotFound, ValidationError, expired_form, render_error
from portal.orgs import profile
from portal.orgs.models import CONTACT_FIELDS
from portal.timeutil import utcnow
from portal.web.forms import PortalForm, RowForm
from portal.web.notices import back_to

BLANK_ROWS = 3  # empty rows offered below the filled ones, to add more


def _limit(limit: int) -> dict[str, str]:
    return {"maxlength": str(limit)}


class UnitRow(RowForm):
    name = StringField("名称", render_kw=_limit(100))
    duties = TextAreaField("职责", render_kw={**_limit(profile.DUTIES_LIMIT), "rows": "3"})
    phone = StringField("电话", render_kw={**_limit(50), "type": "tel"})


class LeaderRow(RowForm):
    name = StringField("姓名", render_kw=_limit(50))
    post = StringField("职务", render_kw=_limit(100))
    duties = TextAreaField("分工", render_kw={**_limit(profile.DUTIES_LIMIT), "rows": "2"})


class ProfileForm(PortalForm):
    functions = TextAreaField(
        "机构职能", render_kw={**_limit(profile.FUNCTIONS_LIMIT), "rows": "8"}
    )
    address = StringField(CONTACT_FIELDS["address"], render_kw=_limit(200))
    office_hours = StringField(CONTACT_FIELDS["office_hours"], render_kw=_limit(200))
    phone = StringField(CONTACT_FIELDS["phone"], render_kw={**_limit(50), "type": "tel"})
    fax = StringField(CONTACT_FIELDS["fax"], render_kw={**_limit(50), "type": "tel"})
    email = StringField(CONTACT_FIELDS["email"], render_kw={**_limit(254), "type": "email"})
    postcode = StringField(
        CONTACT_FIELDS["postcode"], render_kw={**_limit(6), "inputmode": "numeric"}
    )
    directions = TextAreaField(
        "来访路线", render_kw={**_limit(profile.DIRECTIONS_LIMIT), "rows": "3"}
    )
    units = FieldList(FormField(UnitRow), max_entries=profile.MAX_ROWS + BLANK_ROWS)
    leaders = FieldList(FormField(LeaderRow), max_entries=profile.MAX_ROWS + BLANK_ROWS)

    def values(self) -> dict[str, Any]:
        return {
            "functions": self.functions.data or "",
            "directions": self.directions.data or "",
            "contacts": {name: self[name].data or "" for name in CONTACT_FIELDS},
            "units": [row.data for row in self.units],
            "leaders": [row.data for row in self.leaders],
        }

    def show(self, error: ValidationError) -> list[str]:
        """Each of the service's messages next to its field; all of them, for the summary."""
        for name, message in error.errors.items():
            list_name, _, rest = name.partition("-")
            if name in self and name not in ("units", "leaders"):
                self[name].errors = [message]
            elif rest and list_name in ("units", "leaders"):
                index, _, field = rest.partition("-")
                rows = self[list_name]
                if index.isdigit() and int(index) < len(rows) and field in rows[int(index)]:
                    rows[int(index)][field].errors = [message]
        return list(error.errors.values())


def _form(about: profile.About) -> ProfileForm:
    if request.method == "POST":
        form = ProfileForm()
    else:
        data: dict[str, Any] = {name: getattr(about.org, name) for name in CONTACT_FIELDS}
        data |= {"functions": about.functions, "directions": about.directions}
        data["units"] = [vars(unit) for unit in about.units]
        data["leaders"] = [vars(leader) for leader in about.leaders]
        form = ProfileForm(data=data)
    for rows in (form.units, form.leaders):
        blank = sum(1 for row in rows if not any(row.data.values()))
        room = (rows.max_entries or 0) - len(rows)
        for _ in range(min(BLANK_ROWS - blank, room)):
            rows.append_entry()
    return form


@bp.get("/profiles")
def org_profiles():
    """The organisations whose 机构概况 one keeps, and which need a review."""
    rows = profile.editable(current_actor())
    now = utcnow()
    return render_template(
        "admin/org_profiles.html",
        rows=[(org, reviewed, profile.review_due(reviewed, now)) for org, reviewed in rows],
    )


@bp.route("/orgs/<code>/profile", methods=["GET", "POST"])
def org_profile(code: str):
    """Edit an organisation's 机构概况; saving it records a review."""
    actor = current_actor()
    about = profile.for_editing(actor, code)
    form = _form(about)
    problems: list[str] = []
    if form.validate_on_submit():
        try:
            profile.save(actor, code, **form.values())
        except ValidationError as exc:
            problems = form.show(exc)
        else:
            return back_to("admin.org_profiles", f"已保存“{about.org.name}”的机构概况。")
    return _page(form, about, problems, 400 if request.method == "POST" else 200)


def _page(form: ProfileForm, about: profile.About, problems: list[str], status: int):
    return render_template(
        "admin/org_profile.html",
        form=form,
        about=about,
        problems=problems,
        due=profile.review_due(about.reviewed_at),
    ), status


@expired_form("admin.org_profile")
def expired_profile():
    """The profile form again, as typed, after its page expired (nothing was stored)."""
    refused = guard()  # the CSRF check runs before the staff guard: sign-in and access
    if refused is not None:
        return refused
    try:
        about = profile.for_editing(current_actor(), (request.view_args or {}).get("code", ""))
    except NotAuthorized:
        return render_error(403)
    except NotFound:
        return render_error(404)
    form = _form(about)
    form.expired = True
    return _page(form, about, [], 400)


@bp.post("/orgs/<code>/profile/confirm")
def org_profile_confirm(code: str):
    """Its admins checked the 机构概况 and found nothing to change."""
    form = PortalForm()
    actor = current_actor()
    about = profile.for_editing(actor, code)
    if not form.validate_on_submit():
        return back_to("admin.org_profile", "页面已过期，请再次确认。", code=code)
    profile.confirm(actor, code)
    return back_to("admin.org_profiles", f"已确认“{about.org.name}”的机构概况无需修改。")
