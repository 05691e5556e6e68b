"""What a user does with their account: log in, log out, and what an admin does with users."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from balise.accounts.models import (
    LoginAttempt,
    TrustedDevice,
    User,
    UserEstablishment,
    WebSession,
)
from balise.accounts.passwords import (
    check_new_password,
    hash_password,
    needs_rehash,
    verify_password,
)
from balise.core import clock
from balise.core.access import Role, Viewer
from balise.core.errors import BaliseError, InvalidInput

# Failed attempts on one user name before each further try must wait; the wait doubles
# with every failure (capped), and a wrong try during the wait is refused unevaluated.
FREE_FAILURES = 5
MAX_DELAY_SECONDS = 15 * 60


@dataclass(frozen=True)
class SessionTimeouts:
    idle: timedelta
    absolute: timedelta


def create_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: Role,
    establishment_id: int,
    display_name: str = "",
    worker_id: int | None = None,
    team_id: int | None = None,
    language: str = "fr",
    extra_establishments: tuple[int, ...] = (),
) -> User:
    username = username.strip().lower()
    if not username:
        raise InvalidInput("username", "required")
    check_new_password(password)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise InvalidInput("username", "username_taken")
    user = User(
        username=username,
        display_name=display_name or username,
        password_hash=hash_password(password),
        role=role.value,
        establishment_id=establishment_id,
        worker_id=worker_id,
        team_id=team_id,
        language=language,
        created_at=clock.now(),
    )
    user.extra_establishments = [
        UserEstablishment(establishment_id=e) for e in extra_establishments if e != establishment_id
    ]
    session.add(user)
    session.flush()
    return user


def login_delay_seconds(failures: int) -> int:
    """How long the next try must wait after ``failures`` recent failures."""
    if failures < FREE_FAILURES:
        return 0
    return int(min(MAX_DELAY_SECONDS, 2 ** (failures - FREE_FAILURES + 1)))


def authenticate(session: Session, username: str, password: str,
                 device_token: str | None = None) -> User:
    """Check a password; raises ``bad_credentials`` or ``too_many_attempts``.

    Tries from one of the user's trusted devices are throttled on that device's own
    count; every other try on the user name shares the name's count. A success clears
    the count that applied."""
    username = username.strip().lower()
    device = _trusted_device(session, username, device_token)
    if device is not None:
        return _authenticate_on_device(session, device, username, password)
    now = clock.now()
    window_start = now - timedelta(seconds=MAX_DELAY_SECONDS)
    recent = session.execute(
        select(func.count(), func.max(LoginAttempt.at)).where(
            LoginAttempt.username == username,
            LoginAttempt.success.is_(False),
            LoginAttempt.at >= window_start,
        )
    ).one()
    failures, last_failure = int(recent[0]), recent[1]
    delay = login_delay_seconds(failures)
    if delay and last_failure is not None and now < last_failure + timedelta(seconds=delay):
        raise BaliseError("too_many_attempts", minutes=max(1, round(delay / 60)))
    user = session.scalar(select(User).where(User.username == username))
    ok = user is not None and user.active and verify_password(user.password_hash, password)
    session.add(LoginAttempt(username=username, at=now, success=ok))
    if not ok or user is None:
        session.commit()
        raise BaliseError("bad_credentials")
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    session.execute(
        delete(LoginAttempt).where(
            LoginAttempt.username == username, LoginAttempt.success.is_(False)
        )
    )
    return user


def _trusted_device(session: Session, username: str,
                    token: str | None) -> TrustedDevice | None:
    if not token:
        return None
    return session.scalar(
        select(TrustedDevice).join(User, User.id == TrustedDevice.user_id)
        .where(TrustedDevice.token_hash == _token_hash(token), User.username == username))


def _authenticate_on_device(session: Session, device: TrustedDevice, username: str,
                            password: str) -> User:
    now = clock.now()
    delay = login_delay_seconds(device.failures)
    if delay and device.last_failure_at and now < device.last_failure_at + timedelta(
            seconds=delay):
        raise BaliseError("too_many_attempts", minutes=max(1, round(delay / 60)))
    user = session.get_one(User, device.user_id)
    if not (user.active and verify_password(user.password_hash, password)):
        device.failures += 1
        device.last_failure_at = now
        session.add(LoginAttempt(username=username, at=now, success=False))
        session.commit()
        raise BaliseError("bad_credentials")
    device.failures = 0
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    session.add(LoginAttempt(username=username, at=now, success=True))
    return user


def trust_device(session: Session, user: User, token: str | None) -> str:
    """The device token to (re)set in the browser after a successful login."""
    if token and _trusted_device(session, user.username, token) is not None:
        return token
    token = secrets.token_urlsafe(32)
    session.add(TrustedDevice(user_id=user.id, token_hash=_token_hash(token),
                              created_at=clock.now()))
    return token


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(session: Session, user: User) -> tuple[str, WebSession]:
    """A new session, with a fresh id (never reuse the one from before login)."""
    token = secrets.token_urlsafe(32)
    now = clock.now()
    web_session = WebSession(
        token_hash=_token_hash(token),
        user_id=user.id,
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        last_seen_at=now,
    )
    session.add(web_session)
    session.flush()
    return token, web_session


def resume_session(
    session: Session, token: str, timeouts: SessionTimeouts
) -> tuple[User, WebSession] | None:
    """The user behind a cookie, or None when the session ended, expired or the user
    was disabled."""
    web_session = session.scalar(select(WebSession).where(WebSession.token_hash == _token_hash(token)))
    if web_session is None:
        return None
    now = clock.now()
    expired = (
        now - web_session.last_seen_at > timeouts.idle
        or now - web_session.created_at > timeouts.absolute
    )
    user = session.get(User, web_session.user_id)
    if expired or user is None or not user.active:
        session.delete(web_session)
        return None
    if (now - web_session.last_seen_at).total_seconds() > 60:
        web_session.last_seen_at = now
    return user, web_session


def close_session(session: Session, token: str) -> None:
    session.execute(delete(WebSession).where(WebSession.token_hash == _token_hash(token)))


def disable_user(session: Session, user: User) -> None:
    user.active = False
    session.execute(delete(WebSession).where(WebSession.user_id == user.id))


def viewer_of(user: User) -> Viewer:
    establishments = {user.establishment_id} | {e.establishment_id for e in user.extra_establishments}
    return Viewer(
        user_id=user.id,
        role=Role(user.role),
        establishment_id=user.establishment_id,
        establishment_ids=frozenset(establishments),
        worker_id=user.worker_id,
        team_id=user.team_id,
    )
