"""Every route × every role: the answer each role gets (200, 303, 403 or 404).

The tables live in ``tests/web/matrix_*.py``, one per capability. A route added without
an ``Allow`` rule, or without a row in a table, fails here.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from pathlib import Path
from types import ModuleType

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from balise.web.access import Allow
from tests.factories import Cast
from tests.web.conftest import csrf_of, login
from tests.web.matrix import ROLES


def _tables() -> list[ModuleType]:
    here = Path(__file__).parent
    return [importlib.import_module(f"tests.web.{path.stem}")
            for path in sorted(here.glob("matrix_*.py"))]


def _expected() -> dict[tuple[str, str], dict[str, int]]:
    merged: dict[tuple[str, str], dict[str, int]] = {}
    for table in _tables():
        merged.update(table.EXPECTED)
    return merged


def _public() -> set[tuple[str, str]]:
    return set().union(*(getattr(table, "PUBLIC", set()) for table in _tables()))


def _routes(app: FastAPI) -> list[tuple[str, str, APIRoute]]:
    found = []
    for route in app.routes:
        if isinstance(route, APIRoute):
            found.extend((method, route.path, route) for method in sorted(route.methods))
    return found


def _allow(route: APIRoute) -> Allow | None:
    for dependency in route.dependant.dependencies:
        if isinstance(dependency.call, Allow):
            return dependency.call
    return None


def _params(session: Session, cast: Cast) -> dict[str, object]:
    values: dict[str, object] = {}
    for table in _tables():
        if hasattr(table, "params"):
            values.update(table.params(session, cast))
    session.commit()
    return values


def test_every_route_declares_who_may_call_it(app: FastAPI) -> None:
    expected = _expected()
    for method, path, route in _routes(app):
        assert _allow(route) is not None, f"{method} {path} has no Allow rule"
        assert (method, path) in expected, f"{method} {path} has no row in tests/web/matrix_*.py"


def _token(client: TestClient) -> str:
    # Every page, even "not found", carries the session's token in its language form.
    return csrf_of(client.get("/nowhere").text)


@pytest.mark.parametrize("username", ROLES)
def test_route_role_matrix(username: str, app: FastAPI, cast: Cast, session: Session,
                           browser: Callable[[str | None], TestClient]) -> None:
    values = _params(session, cast)
    expected = _expected()
    client = browser(username)
    for method, path, _route in _routes(app):
        url = path.format(**values)
        if method == "GET":
            response = client.get(url, follow_redirects=False)
        else:
            response = client.request(method, url, data={"csrf_token": _token(client)},
                                      follow_redirects=False)
            if path == "/logout":
                login(client, username)
        assert response.status_code == expected[(method, path)][username], (
            f"{username} {method} {url}")
        if response.headers.get("content-type", "").startswith("text/html"):
            _assert_safe_headers(response.headers, f"{method} {url}")


def _assert_safe_headers(headers: Mapping[str, str], where: str) -> None:
    csp = headers.get("content-security-policy", "")
    for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
        assert directive in csp, f"{where}: CSP lacks {directive}"
    assert headers.get("x-content-type-options") == "nosniff", where
    assert headers.get("referrer-policy"), where
    assert headers.get("cache-control") == "no-store", f"{where}: personal pages are no-store"


@pytest.mark.parametrize("username", ["alice", "lead", "union", "admin"])
def test_every_unsafe_route_needs_the_token_and_our_origin(
    username: str, app: FastAPI, cast: Cast, session: Session,
    browser: Callable[[str | None], TestClient],
) -> None:
    values = _params(session, cast)
    client = browser(username)
    for method, path, _route in _routes(app):
        if method in ("GET", "HEAD", "OPTIONS"):
            continue
        url = path.format(**values)
        missing = client.request(method, url, data={}, follow_redirects=False)
        assert missing.status_code == 403, f"{method} {url} without a CSRF token"
        foreign = client.request(method, url, data={"csrf_token": _token(client)},
                                 headers={"Origin": "https://evil.example"},
                                 follow_redirects=False)
        assert foreign.status_code == 403, f"{method} {url} from a foreign origin"


def test_anonymous_is_sent_to_login(app: FastAPI, cast: Cast, session: Session,
                                    browser: Callable[[str | None], TestClient]) -> None:
    values = _params(session, cast)
    client = browser(None)
    public = _public()
    for method, path, _route in _routes(app):
        if (method, path) in public or method != "GET" or path.startswith("/api/"):
            continue
        response = client.get(path.format(**values), follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/login")
