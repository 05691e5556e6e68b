"""The Balise web application: assembled once from settings."""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import Depends, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine, select
from sqlalchemy.exc import OperationalError
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from balise.core.db import make_engine, session_factory
from balise.core.errors import BaliseError, Forbidden, InvalidInput, NotFound
from balise.core.i18n import LANGUAGES, set_language
from balise.core.i18n import gettext as _
from balise.core.settings import Settings
from balise.web import (
    accounts,
    acts,
    admin,
    collection,
    committee_admin,
    committee_records,
    committees,
    field,
    grid,
    home,
    imports,
    indicator_entries,
    indicators,
    journal,
    letter27,
    plan_day,
    read_log,
    surveys,
    territory,
    waiting_list,
)
from balise.web.access import LoginRequired
from balise.web.request_guards import ids_in_range, no_nul_characters
from balise.web.templating import build_environment, render

log = logging.getLogger("balise.web")
STATIC_DIR = Path(__file__).parent / "static"

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    engine = engine or make_engine(settings.database_url)
    app = FastAPI(title="Balise", docs_url="/api/docs", redoc_url=None,
                  openapi_url="/api/openapi.json",
                  dependencies=[Depends(ids_in_range), Depends(no_nul_characters)])
    app.state.settings = settings
    app.state.engine = engine
    app.state.factory = session_factory(engine)
    app.state.templates = build_environment()
    app.state.demo_notice = _holds_demo_data(engine)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for module in (accounts, home, territory, grid, admin, committees, journal, imports, collection,
                   committee_records, waiting_list, field, indicators, indicator_entries, acts,
                   surveys, committee_admin, letter27, read_log, plan_day):
        app.include_router(module.router)
    app.add_middleware(LanguageAndHeaders, balise=app)
    _install_error_pages(app)
    return app


def _holds_demo_data(engine: Engine) -> bool:
    from balise.territory.models import Establishment

    try:
        with session_factory(engine)() as session:
            codes = session.scalars(select(Establishment.code)).all()
    except OperationalError:
        return False
    return any(code.startswith("DEMO") for code in codes)


class LanguageAndHeaders:
    """Each request's language, and the security headers on each answer.

    A plain ASGI middleware: Starlette's ``BaseHTTPMiddleware`` (``@app.middleware``)
    runs the route in another task and copies each answer through a stream, a cost paid
    on every request, the field app's sync included."""

    def __init__(self, app: ASGIApp, balise: FastAPI) -> None:
        self.app = app
        self.balise = balise  # settings are read at each request: tests replace them

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        default = self.balise.state.settings.default_language
        set_language(_request_language(Request(scope), default))
        static = str(scope["path"]).startswith("/static")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", CSP)
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Referrer-Policy"] = "same-origin"
                headers["X-Frame-Options"] = "DENY"
                headers["Permissions-Policy"] = "geolocation=(), camera=(), microphone=()"
                if not static:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _request_language(request: Request, default: str) -> str:
    chosen = request.cookies.get("balise_lang")
    if chosen in LANGUAGES:
        return chosen
    accept = request.headers.get("accept-language", "")
    first = accept.split(",")[0].split("-")[0].strip().lower()
    return first if first in LANGUAGES else default


def _install_error_pages(app: FastAPI) -> None:
    def page(request: Request, status: int, message: str) -> Response:
        if request.url.path.startswith("/api/"):
            from fastapi.responses import JSONResponse

            return JSONResponse({"error": message}, status_code=status)
        return render(request, "errors/error.html", {"status": status, "message": message},
                      status=status)

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, _exc: LoginRequired) -> Response:
        if request.url.path.startswith("/api/"):
            return page(request, 401, _("Log in first."))
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> Response:
        return page(request, 404, exc.message())

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        return page(request, 403, exc.message())

    @app.exception_handler(InvalidInput)
    async def invalid(request: Request, exc: InvalidInput) -> Response:
        return page(request, 400, exc.message())

    @app.exception_handler(BaliseError)
    async def refused(request: Request, exc: BaliseError) -> Response:
        status = 403 if exc.code == "csrf" else 400
        return page(request, status, exc.message())

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            return page(request, 404, NotFound().message())
        if exc.status_code == 405:
            return page(request, 405, _("This action is not available here."))
        return page(request, exc.status_code, _("The request could not be served."))

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        fields = ", ".join(str(err["loc"][-1]) for err in exc.errors())
        return page(request, 422, _("Some fields are missing or invalid: {fields}.").format(
            fields=fields))

    @app.exception_handler(OperationalError)
    async def database_down(request: Request, exc: OperationalError) -> Response:
        log.error("database unavailable: %s", exc.orig)
        return page(request, 503, _("The database is unavailable; try again in a moment."))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s", request.url.path)
        return page(request, 500, _("An unexpected error occurred; it has been logged."))
