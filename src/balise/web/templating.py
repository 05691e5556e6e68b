"""Jinja2 templates with gettext, and the one function routes use to render a page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from balise.core.access import ROLE_LABELS
from balise.core.i18n import current_language, gettext, ngettext, pick

TEMPLATES_DIR = Path(__file__).parent / "templates"


def _minutes_as_time(minute: int | None) -> str:
    if minute is None:
        return "—"
    return f"{minute // 60:02d}:{minute % 60:02d}"


def build_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(
        pick=pick, role_labels=ROLE_LABELS, current_language=current_language
    )
    env.filters["hhmm"] = _minutes_as_time
    return env


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, status: int = 200
) -> HTMLResponse:
    env: Environment = request.app.state.templates
    values: dict[str, Any] = {
        "request": request,
        "viewer": getattr(request.state, "viewer", None),
        "display_name": getattr(request.state, "display_name", None),
        "csrf_token": getattr(request.state, "csrf_token", None)
        or request.cookies.get("balise_pre", ""),
        "lang": current_language(),
        "demo": request.app.state.demo_notice,
    }
    values.update(context or {})
    page = env.get_template(template).render(**values)
    return HTMLResponse(page, status_code=status)
