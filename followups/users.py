"""Users and teams: creation, passwords, API tokens."""

from __future__ import annotations

import hashlib
import re
import secrets

from sqlmodel import Session, select
from werkzeug.security import check_password_hash, generate_password_hash

from followups.models import Role, Team, User

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD_LENGTH = 8


class UserError(ValueError):
    """A user cannot be created or changed as asked."""


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    if not _EMAIL.match(email):
        raise UserError(f"not an email address: {email!r}")
    return email


def create_user(
    session: Session,
    email: str,
    password: str,
    *,
    team_name: str | None = None,
    lead: bool = False,
    display_name: str = "",
) -> User:
    email = normalise_email(email)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
    if session.exec(select(User).where(User.email == email)).first():
        raise UserError(f"a user with the email {email} already exists")
    team = get_or_create_team(session, team_name) if team_name else None
    user = User(
        email=email,
        display_name=display_name or email.split("@")[0].replace(".", " ").title(),
        password_hash=generate_password_hash(password),
        team_id=team.id if team else None,
        role=Role.LEAD if lead else Role.MEMBER,
    )
    session.add(user)
    session.flush()
    return user


def get_or_create_team(session: Session, name: str) -> Team:
    name = name.strip()
    if not name:
        raise UserError("team name is empty")
    team = session.exec(select(Team).where(Team.name == name)).first()
    if team is None:
        team = Team(name=name)
        session.add(team)
        session.flush()
    return team


def verify_password(user: User, password: str) -> bool:
    return check_password_hash(user.password_hash, password)


def issue_api_token(user: User) -> str:
    """A new token for the JSON API; only its hash is stored, the token is shown once."""
    token = "fu_" + secrets.token_urlsafe(32)
    user.api_token_hash = hash_api_token(token)
    return token


def hash_api_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
