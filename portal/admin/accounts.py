"""Staff accounts: password rules, creation, sign-in checks."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pyotp
import sqlalchemy as sa
from werkzeug.security import check_password_hash, generate_password_hash

from ..database import begin_write
from ..errors import ValidationError
from ..extensions import db
from ..timeutil import utcnow
from .models import ROLES, User

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


def create_user(username: str, display_name: str, role: str, password: str, *, totp: bool) -> User:
    """Create a staff account; admins always get a TOTP second factor."""
    username = (username or "").strip()
    errors: dict[str, str] = {}
    if not 3 <= len(username) <= 50 or not username.replace("_", "").replace(".", "").isalnum():
        errors["username"] = "用户名：3 至 50 个字母、数字、点或下划线"
    if role not in ROLES:
        errors["role"] = "角色：应为 " + "、".join(ROLES)
    problem = password_problem(password, username)
    if problem:
        errors["password"] = problem
    if errors:
        raise ValidationError(errors)
    begin_write()
    if db.session.scalar(sa.select(User.id).where(User.username == username)):
        raise ValidationError({"username": "用户名：已存在"})
    user = User(
        username=username,
        display_name=(display_name or username).strip(),
        role=role,
        password_hash=generate_password_hash(password),
        totp_secret=pyotp.random_base32() if totp or role == "admin" else None,
    )
    db.session.add(user)
    db.session.commit()
    return user


def authenticate(username: str, password: str, code: str) -> User | None:
    """The active user with these credentials (and a valid TOTP code when enrolled)."""
    user = db.session.scalar(sa.select(User).where(User.username == (username or "").strip()))
    if user is None or not user.active:
        check_password_hash(DUMMY_HASH, password or "")  # same work for unknown names
        return None
    if not check_password_hash(user.password_hash, password or ""):
        return None
    if user.totp_secret and not pyotp.TOTP(user.totp_secret).verify(
        (code or "").strip(), valid_window=1
    ):
        return None
    if user.role == "admin" and not user.totp_secret:
        return None
    return user


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
