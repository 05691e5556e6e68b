"""Every route declares who may call it with an ``Allow`` dependency.

``Allow`` resolves the session cookie, checks the role, and on every unsafe method
checks the CSRF token and the Origin. A route without an ``Allow`` fails the
route × role test, so a new route cannot forget its rule.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from datetime import timedelta

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from balise.accounts.service import SessionTimeouts, resume_session, viewer_of
from balise.core.access import Role, Viewer
from balise.core.errors import BaliseError, Forbidden

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PRE_SESSION_COOKIE = "balise_pre"


class LoginRequired(Exception):
    """No valid session: the browser goes to the login page."""


def db_session(request: Request) -> Iterator[Session]:
    session: Session = request.app.state.factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def session_cookie_name(request: Request) -> str:
    return "__Host-balise" if request.app.state.settings.secure_cookies else "balise_session"


class Allow:
    """``Depends(Allow(Role.TEAM_LEAD, ...))``; ``Allow(public=True)`` for open pages."""

    def __init__(self, *roles: Role, public: bool = False) -> None:
        self.roles = frozenset(roles)
        self.public = public

    async def __call__(
        self, request: Request, db: Session = Depends(db_session)
    ) -> Viewer | None:
        # The session lookup reads the database: run it off the event loop, like the
        # route's own (sync) work, so one slow query never stalls every request.
        viewer = await run_in_threadpool(self._resume, request, db)
        request.state.viewer = viewer
        if request.method not in SAFE_METHODS:
            await check_csrf(request)
        if self.public:
            return viewer
        if viewer is None:
            raise LoginRequired()
        if viewer.role not in self.roles:
            raise Forbidden()
        return viewer

    def _resume(self, request: Request, db: Session) -> Viewer | None:
        token = request.cookies.get(session_cookie_name(request))
        if not token:
            return None
        settings = request.app.state.settings
        found = resume_session(
            db,
            token,
            SessionTimeouts(
                idle=timedelta(minutes=settings.session_idle_minutes),
                absolute=timedelta(hours=settings.session_absolute_hours),
            ),
        )
        if found is None:
            return None
        user, web_session = found
        request.state.user = user
        # Plain text for templates: error pages render after the session has closed.
        request.state.display_name = user.display_name
        request.state.csrf_token = web_session.csrf_token
        request.state.session_token = token
        return viewer_of(user)


async def check_csrf(request: Request) -> None:
    """Same-origin check, then the token: the session's when logged in, otherwise the
    pre-session cookie's (double submit) for the login form."""
    origin = request.headers.get("origin")
    if origin and origin != _own_origin(request):
        raise BaliseError("csrf")
    expected = getattr(request.state, "csrf_token", None) or request.cookies.get(
        PRE_SESSION_COOKIE
    )
    sent = request.headers.get("x-csrf-token")
    if sent is None and _is_form(request):
        form = await request.form()
        value = form.get("csrf_token")
        sent = value if isinstance(value, str) else None
    if not expected or not sent or not hmac.compare_digest(expected, sent):
        raise BaliseError("csrf")


def _is_form(request: Request) -> bool:
    kind = request.headers.get("content-type", "")
    return kind.startswith(("application/x-www-form-urlencoded", "multipart/form-data"))


def _own_origin(request: Request) -> str:
    host = request.headers.get("host", request.url.netloc)
    return f"{request.url.scheme}://{host}"


def allow_of(dependency: object) -> Allow | None:
    return dependency if isinstance(dependency, Allow) else None


STAFF = (Role.TEAM_LEAD, Role.ANALYST, Role.ADMIN)
COMMITTEE = (Role.COMMITTEE_EMPLOYER, Role.COMMITTEE_UNION, Role.NATIONAL)
EVERYONE = tuple(Role)
