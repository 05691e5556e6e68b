"""Log in, log out, choose the language."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from balise.accounts.service import authenticate, close_session, open_session, trust_device
from balise.core.access import Viewer
from balise.core.errors import BaliseError
from balise.core.i18n import LANGUAGES, set_language
from balise.web.access import PRE_SESSION_COOKIE, Allow, db_session, session_cookie_name
from balise.web.templating import render

router = APIRouter()
LANG_COOKIE_SECONDS = 365 * 24 * 3600
DEVICE_COOKIE = "balise_device"
DEVICE_COOKIE_SECONDS = 180 * 24 * 3600


def _safe_next(target: str) -> str:
    # Only paths of this site: never "//evil.example" nor a full URL.
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _set_cookie(request: Request, response: Response, name: str, value: str,
                max_age: int | None = None) -> None:
    response.set_cookie(name, value, max_age=max_age, path="/", httponly=True,
                        samesite="strict" if name != "balise_lang" else "lax",
                        secure=request.app.state.settings.secure_cookies)


@router.get("/login")
def login_page(
    request: Request, viewer: Annotated[Viewer | None, Depends(Allow(public=True))],
    next: str = "/",
) -> Response:
    if viewer is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    token = request.cookies.get(PRE_SESSION_COOKIE) or secrets.token_urlsafe(32)
    response = render(request, "accounts/login.html", {"next": _safe_next(next),
                                                       "csrf_token": token})
    _set_cookie(request, response, PRE_SESSION_COOKIE, token)
    return response


@router.post("/login")
def login(
    request: Request,
    _viewer: Annotated[Viewer | None, Depends(Allow(public=True))],
    db: Annotated[Session, Depends(db_session)],
    username: Annotated[str, Form(max_length=80)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    device = request.cookies.get(DEVICE_COOKIE)
    try:
        user = authenticate(db, username, password, device)
    except BaliseError as exc:
        return render(request, "accounts/login.html",
                      {"error": exc.message(), "username": username, "next": _safe_next(next)},
                      status=401 if exc.code == "bad_credentials" else 429)
    old = request.cookies.get(session_cookie_name(request))
    if old:
        close_session(db, old)
    token, _web_session = open_session(db, user)
    device = trust_device(db, user, device)
    set_language(user.language)
    response = RedirectResponse(_safe_next(next), status_code=303)
    _set_cookie(request, response, session_cookie_name(request), token)
    _set_cookie(request, response, "balise_lang", user.language, LANG_COOKIE_SECONDS)
    _set_cookie(request, response, DEVICE_COOKIE, device, DEVICE_COOKIE_SECONDS)
    response.delete_cookie(PRE_SESSION_COOKIE, path="/")
    return response


@router.post("/logout")
def logout(
    request: Request,
    _viewer: Annotated[Viewer | None, Depends(Allow(public=True))],
    db: Annotated[Session, Depends(db_session)],
) -> Response:
    token = request.cookies.get(session_cookie_name(request))
    if token:
        close_session(db, token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(session_cookie_name(request), path="/",
                           secure=request.app.state.settings.secure_cookies, httponly=True)
    return response


@router.post("/language")
def choose_language(
    request: Request,
    _viewer: Annotated[Viewer | None, Depends(Allow(public=True))],
    lang: Annotated[str, Form()] = "fr",
    next: Annotated[str, Form()] = "/",
) -> Response:
    lang = lang if lang in LANGUAGES else "fr"
    user = getattr(request.state, "user", None)
    if user is not None:
        user.language = lang
    response = RedirectResponse(_safe_next(next), status_code=303)
    _set_cookie(request, response, "balise_lang", lang, LANG_COOKIE_SECONDS)
    return response


@router.get("/healthz")
def health(_viewer: Annotated[Viewer | None, Depends(Allow(public=True))]) -> dict[str, str]:
    return {"status": "ok"}
