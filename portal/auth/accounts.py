"""Staff accounts: password rules, creation, sign-in checks."""

from __future__ import annotations

import hmac
import time
import unicodedata
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import pyotp
import sqlalchemy as sa
from werkzeug.security import check_password_hash, generate_password_hash

from portal.auth.models import ROLES, Membership, User
from portal.database import begin_write
from portal.errors import ValidationError
from portal.extensions import db
from portal.timeutil import utcnow

MIN_PASSWORD = 8
MAX_PASSWORD = 128  # long passphrases are welcome
DUMMY_HASH = generate_password_hash("a-password-nobody-has")


@cache
def common_passwords() -> frozenset[str]:
    path = Path(__file__).parent / "data" / "common-passwords.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line and not line.startswith("#"))


def password_problem(password: str, username: str = "") -> str | None:
    """Why ``password`` is not acceptable (a Chinese sentence), or None."""
    if len(password) < MIN_PASSWORD:
        return f"密码：至少 {MIN_PASSWORD} 个字符"
    if len(password) > MAX_PASSWORD:
        return f"密码：不能超过 {MAX_PASSWORD} 个字符"
    lowered = password.lower()
    if lowered in common_passwords() or (username and username.lower() in lowered):
        return "密码：过于常见或包含用户名，请换一个不易猜到的密码"
    return None


def login_name(value: str | None) -> str:
    """The account name as typed, reduced to the one form both the sign-in check and the
    per-account attempt limit use: full-width letters made plain (NFKC, as a Chinese input
    method types them), control and format characters (zero-width, direction marks) removed,
    spaces stripped. Case is kept: names are matched exactly, as they were created."""
    text = unicodedata.normalize("NFKC", value or "")
    return "".join(c for c in text if unicodedata.category(c) not in {"Cc", "Cf"}).strip()


def create_user(
    username: str,
    display_name: str,
    role: str | None,
    password: str,
    *,
    totp: bool,
    org_ids: Iterable[int] | None = None,
    platform_admin: bool = False,
) -> User:
    """Create a staff account holding ``role`` in each of ``org_ids``, and/or a platform
    admin. Admins and platform admins always get a TOTP
    second factor."""
    username = login_name(username)
    errors: dict[str, str] = {}
    if not 3 <= len(username) <= 50 or not username.replace("_", "").replace(".", "").isalnum():
        errors["username"] = "用户名：3 至 50 个字母、数字、点或下划线"
    if role is not None and role not in ROLES:
        errors["role"] = "角色：应为 " + "、".join(ROLES)
    if role is None and not platform_admin:
        errors["role"] = "角色：请指定角色，或设为平台管理员"
    org_ids = list(org_ids or ())
    if role is not None and not org_ids:
        errors["org"] = "单位：请指定角色所在的单位"
    problem = password_problem(password, username)
    if problem:
        errors["password"] = problem
    if errors:
        raise ValidationError(errors)
    begin_write()
    if db.session.scalar(sa.select(User.id).where(User.username == username)):
        raise ValidationError({"username": "用户名：已存在"})
    strong = role == "admin" or platform_admin
    user = User(
        username=username,
        display_name=(display_name or username).strip(),
        platform_admin=platform_admin,
        password_hash=generate_password_hash(password),
        totp_secret=pyotp.random_base32() if totp or strong else None,
    )
    if role is not None:
        for org_id in org_ids:
            user.memberships.append(Membership(organisation_id=org_id, role=role))
    db.session.add(user)
    db.session.commit()
    return user


def needs_totp(user: User) -> bool:
    """Admins of an organisation and platform admins must sign in with a second factor."""
    return user.platform_admin or any(m.role == "admin" for m in user.memberships)


def authenticate(username: str, password: str, code: str) -> User | None:
    """The active user with these credentials (and, when enrolled, a TOTP code not used
    before: each accepted code's time step is kept, and no step up to it works again)."""
    user = db.session.scalar(sa.select(User).where(User.username == login_name(username)))
    if user is None or not user.active:
        check_password_hash(DUMMY_HASH, password or "")  # same work for unknown names
        return None
    if not check_password_hash(user.password_hash, password or ""):
        return None
    if needs_totp(user) and not user.totp_secret:
        return None
    if user.totp_secret and not _use_totp_step(user, _plain_digits(code)):
        return None
    return user


def _plain_digits(code: str | None) -> str:
    """A typed one-time code without spaces, full-width digits made plain."""
    return "".join(unicodedata.normalize("NFKC", code or "").split())


def totp_step(secret: str, code: str, now: float | None = None) -> int | None:
    """The time step ``code`` belongs to: this one or a neighbour (30 s of clock drift
    either way, as ``valid_window=1``), or None when it matches none of them."""
    totp = pyotp.TOTP(secret)
    current = int((time.time() if now is None else now) // totp.interval)
    if not code.isdigit() or len(code) != totp.digits:
        return None
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _use_totp_step(user: User, code: str) -> bool:
    """Accept ``code`` once: record its step unless that step (or a later one) was used.

    Done as a writer (``begin_write``), so two sign-ins racing with one code cannot both
    read the old step: the second waits, re-reads and is refused.
    """
    step = totp_step(user.totp_secret or "", code)
    if step is None:
        return False
    begin_write()
    db.session.refresh(user)
    if user.totp_last_step is not None and step <= user.totp_last_step:
        db.session.rollback()
        return False
    user.totp_last_step = step
    db.session.commit()
    return True


def start_session(user: User) -> int:
    """Invalidate every earlier session of ``user``; returns the new session version."""
    begin_write()
    user.session_version += 1
    user.last_login_at = utcnow()
    db.session.commit()
    return user.session_version


def end_sessions(user: User) -> None:
    """Log ``user`` out everywhere: any cookie issued before stops working."""
    begin_write()
    user.session_version += 1
    db.session.commit()


def provisioning_uri(user: User, issuer: str) -> str | None:
    if not user.totp_secret:
        return None
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.username, issuer_name=issuer)
