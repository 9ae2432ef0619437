"""``/admin/orgs/``: the organisations of the platform, listed, created and changed by
platform admins. The form only carries the values; ``portal.orgs.service`` checks them
(and the actor) and its Chinese messages are shown next to the fields."""

from __future__ import annotations

import re
from typing import Any

from flask import abort, render_template, request
from wtforms import SelectField, StringField

from portal.auth.blueprint import bp, current_actor
from portal.errors import ValidationError
from portal.orgs import directory, service
from portal.orgs.models import CONTACT_FIELDS, OrgKind
from portal.web.forms import PortalForm, options
from portal.web.notices import back_to

#: The facts a form changes besides the code (which never changes once created).
FACTS = ("name", "short_name", "kind", "credit_code", "parent", "sort", *CONTACT_FIELDS)
REQUIRED = ("code", "name", "short_name", "kind", "credit_code")
SORT_LIMIT = 99_999
HINTS = {
    "code": "用于网址 /org/单位代码/，2至32位小写字母、数字或连字符，以字母开头；创建后不能修改。",
    "credit_code": "18位，末位为校验位；也是本单位信息索引号的前缀。",
    "sort": "在单位列表中的顺序，数字小的在前。",
}


def _text(label: str, **render_kw: str) -> StringField:
    return StringField(label, render_kw={"autocomplete": "off", **render_kw})


class OrgForm(PortalForm):
    """An organisation's facts; every check is the service's."""

    code = _text(service.LABELS["code"], maxlength="32")
    name = _text(service.LABELS["name"], maxlength="100")
    short_name = _text(service.LABELS["short_name"], maxlength="50")
    # Choices are not checked here (that would answer in English): the service does.
    kind = SelectField(
        service.LABELS["kind"],
        choices=options(*((kind.value, kind.label) for kind in OrgKind)),
        validate_choice=False,
    )
    credit_code = _text(service.LABELS["credit_code"], maxlength="18")
    parent = SelectField(service.LABELS["parent"], validate_choice=False)
    sort = _text(service.LABELS["sort"], inputmode="numeric")
    address = _text(CONTACT_FIELDS["address"], maxlength="200")
    office_hours = _text(CONTACT_FIELDS["office_hours"], maxlength="200")
    phone = _text(CONTACT_FIELDS["phone"], maxlength="50")
    fax = _text(CONTACT_FIELDS["fax"], maxlength="50")
    email = _text(CONTACT_FIELDS["email"], maxlength="254", type="email")
    postcode = _text(CONTACT_FIELDS["postcode"], maxlength="6", inputmode="numeric")

    def offer_parents(self, excluding: str | None = None) -> None:
        """Every organisation but the one being edited may be chosen as the parent."""
        orgs = [org for org in directory.all_orgs() if org.code != excluding]
        self.parent.choices = options(("", "无"), *((org.code, org.name) for org in orgs))

    def values(self, *, creating: bool) -> dict[str, Any]:
        """What to hand the service, by field name."""
        names = ("code", *FACTS) if creating else FACTS
        found: dict[str, Any] = {}
        for name in names:
            value = self[name].data
            found[name] = value.strip() if isinstance(value, str) else ""
        sort = found.pop("sort")
        if re.fullmatch(r"-?[0-9]{1,5}", sort):
            found["sort"] = int(sort)
        elif sort or not creating:
            # Not a number the column holds: handed over as text, the service refuses it
            # (with every other problem of the form), and ``show`` words it.
            found["sort"] = sort
        if creating:  # an empty required field is "必填", not a format error
            for name in REQUIRED:
                if not found[name]:
                    found[name] = None
            if not found["parent"]:
                found["parent"] = None
        return found

    def show(self, error: ValidationError) -> None:
        """Put each of the service's messages next to its field."""
        for name, message in error.errors.items():
            if name == "sort":
                message = f"{service.LABELS['sort']}：应为 {-SORT_LIMIT} 至 {SORT_LIMIT} 之间的整数"
            target = "parent" if name == "parent_id" else name
            if target in self:
                self[target].errors = [message]
            else:  # not a field of the form: shown in the summary
                self.form_errors.append(message)


def _org_form(org: directory.Org | None = None) -> OrgForm:
    data = None
    if org is not None:
        data = {name: getattr(org, name) for name in FACTS if name not in ("parent", "sort")}
        data["kind"] = org.kind.value
        data["sort"] = str(org.sort)
        data["parent"] = directory.get(org.parent_id).code if org.parent_id else ""
    form = OrgForm(data=data)
    form.offer_parents(excluding=org.code if org else None)
    return form


@bp.route("/orgs/", methods=["GET", "POST"])
def orgs():
    """Every organisation of the platform, and a form to create one (platform admins)."""
    form = _org_form()
    if form.validate_on_submit():
        try:
            org = service.create(current_actor(), **form.values(creating=True))
        except ValidationError as exc:
            form.show(exc)
        else:
            return back_to("admin.orgs", f"已新建单位“{org.name}”（{org.code}）。")
    status = 400 if request.method == "POST" else 200
    return render_template("admin/orgs.html", form=form, hints=HINTS), status


@bp.route("/orgs/<code>/edit", methods=["GET", "POST"])
def org_edit(code: str):
    """Change an organisation's names, kind, credit code, parent, order and contacts."""
    org = directory.by_code(code)
    if org is None:
        abort(404)
    form = _org_form(org)
    if form.validate_on_submit():
        try:
            changed = service.update(current_actor(), code, **form.values(creating=False))
        except ValidationError as exc:
            form.show(exc)
        else:
            return back_to("admin.orgs", f"已保存单位“{changed.name}”的信息。")
    status = 400 if request.method == "POST" else 200
    return render_template("admin/orgs_edit.html", form=form, org=org, hints=HINTS), status
