"""Users and teams: creation, passwords, sessions, API tokens.

The password rule lives here and only here: at least `MIN_PASSWORD_LENGTH` characters and
not guessable by zxcvbn (Dropbox's estimator: dictionaries of common passwords, names and
words, keyboard patterns, repeats, dates) below `MIN_PASSWORD_SCORE`. `user add`, first-run
setup, `user passwd` and the change-password form all go through `check_password`.

Every session carries the user's `session_version`; `end_sessions` bumps it, so every session
and remember-me cookie issued before stops working (sign-out, a new password, disabling).
"""

from __future__ import annotations

import hashlib
import re
import secrets

from sqlmodel import Session, select
from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import zxcvbn

from followup.config import DEFAULT_PASSWORD_HASH
from followup.domain.vocabulary import Role
from followup.db.models import Team, User
from followup.errors import FollowupError

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

MIN_PASSWORD_LENGTH = 8
"""NIST SP 800-63B's minimum for a password the user chooses."""

MIN_PASSWORD_SCORE = 3
"""zxcvbn's score from 0 to 4; 3 means about 10^8 guesses or more, enough against an offline
attack on the stored (slow) hash. 'password', '12345678' and eight spaces score 0."""

_SCORED_LENGTH = 100
"""zxcvbn's time grows with the length; beyond this a password is not weak for its length."""


class UserError(FollowupError, ValueError):
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
    hash_method: str = DEFAULT_PASSWORD_HASH,
) -> User:
    email = normalise_email(email)
    if find_user(session, email):
        raise UserError(f"a user with the email {email} already exists")
    check_password(password, email=email, display_name=display_name)
    team = get_or_create_team(session, team_name) if team_name else None
    user = User(
        email=email,
        display_name=display_name or email.split("@")[0].replace(".", " ").title(),
        password_hash=generate_password_hash(password, method=hash_method),
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


def find_user(session: Session, email: str) -> User | None:
    return session.exec(select(User).where(User.email == normalise_email(email))).first()


def get_user(session: Session, email: str) -> User:
    user = find_user(session, email)
    if user is None:
        raise UserError(f"no user with the email {normalise_email(email)}")
    return user


def check_password(password: str, *, email: str = "", display_name: str = "") -> None:
    """Raise `UserError` saying why, when *password* is too short or too easy to guess."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
    # The user's own email and name are the first guesses of anyone who knows them.
    own_words = [w for w in re.split(r"[@.\s]+", f"{email} {display_name}") if w]
    verdict = zxcvbn(password[:_SCORED_LENGTH], user_inputs=own_words)
    if verdict["score"] < MIN_PASSWORD_SCORE:
        why = verdict["feedback"]["warning"] or "add another word or two"
        raise UserError(f"password is too easy to guess: {why.rstrip('.')}")


def verify_password(user: User, password: str) -> bool:
    return check_password_hash(user.password_hash, password)


def set_password(user: User, password: str, hash_method: str = DEFAULT_PASSWORD_HASH) -> None:
    """A new password (checked against the rule); every session of the user ends."""
    check_password(password, email=user.email, display_name=user.display_name)
    user.password_hash = generate_password_hash(password, method=hash_method)
    end_sessions(user)


def change_password(user: User, current: str, new: str, hash_method: str = DEFAULT_PASSWORD_HASH) -> None:
    """The user's own change: they prove they know the current password first."""
    if not verify_password(user, current):
        raise UserError("the current password is wrong")
    set_password(user, new, hash_method)


def end_sessions(user: User) -> None:
    """Every session and remember-me cookie issued to the user so far stops working."""
    user.session_version = (user.session_version or 0) + 1


def disable_user(user: User) -> None:
    """The user can no longer sign in; their sessions end and their API token stops working."""
    user.is_active = False
    user.api_token_hash = None
    end_sessions(user)


def issue_api_token(user: User) -> str:
    """A new token for the JSON API; only its hash is stored, the token is shown once."""
    token = "fu_" + secrets.token_urlsafe(32)
    user.api_token_hash = hash_api_token(token)
    return token


def hash_api_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
