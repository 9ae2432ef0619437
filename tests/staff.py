"""Signing staff in and out in tests: accounts, CSRF tokens, logins with or without TOTP."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyotp

from portal.auth import accounts
from portal.auth.actor import Actor
from portal.consultations import services as consultation_services
from portal.consultations.models import Opinion
from portal.interaction import messages
from portal.orgs import directory

PASSWORD = "东晓街道-长久的口令-2026"


@dataclass
class Staff:
    username: str
    totp_secret: str | None


def user_maker(app):
    """Create an account in its own app context (requests must not share one: each
    test client needs its own ``g``, where Flask-WTF caches the CSRF token)."""

    def _make(
        username: str = "editor1",
        role: str = "editor",
        totp: bool = False,
        orgs: tuple[str, ...] = (),
        platform_admin: bool | None = None,
    ) -> Staff:
        """``role`` in the organisations ``orgs`` (codes; default the home one); an
        ``admin`` of the one-office site is its platform admin unless told otherwise."""
        with app.app_context():
            org_ids = [directory.by_code(code).id for code in orgs] or [directory.home().id]
            user = accounts.create_user(
                username,
                username,
                role,
                PASSWORD,
                totp=totp,
                org_ids=org_ids,
                platform_admin=role == "admin" if platform_admin is None else platform_admin,
            )
            return Staff(user.username, user.totp_secret)

    return _make


def csrf(client, url: str) -> str:
    """The CSRF token on the page at ``url`` (for posting a form shown there)."""
    html = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def login(client, username: str, password: str = PASSWORD, code: str = ""):
    token = csrf(client, "/admin/login")
    return client.post(
        "/admin/login",
        data={"csrf_token": token, "username": username, "password": password, "code": code},
    )


def logout(client):
    html = client.get("/admin/").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    return client.post("/admin/logout", data={"csrf_token": token})


def login_as(app, staff: Staff):
    """A new test client signed in as ``staff`` (TOTP code supplied when enrolled)."""
    client = app.test_client()
    code = pyotp.TOTP(staff.totp_secret).now() if staff.totp_secret else ""
    response = login(client, staff.username, code=code)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def publish_as_previewed(item, name: str = "handler") -> str:
    """Publish a message or an opinion with the texts its preview shows (a handler called
    ``name`` confirms them unchanged); returns what the preview said it masked."""
    actor = Actor.staff(name, "handler")
    if isinstance(item, Opinion):
        preview = consultation_services.opinion_preview(item)
        consultation_services.publish_opinion(item, content=preview.masked, actor=actor)
        return preview.notice
    previews = messages.message_preview(item)
    messages.publish_message(
        item, texts={name: text.masked for name, text in previews.items()}, actor=actor
    )
    return "；".join(text.notice for text in previews.values() if text.notice)
