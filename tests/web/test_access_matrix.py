"""Every route × every role: the answer each role gets (200, 303 to login, 403 or 404).

A route added without an ``Allow`` rule, or without a row in EXPECTED, fails here.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from balise.web.access import Allow
from tests.factories import MONDAY, Cast, make_visit
from tests.web.conftest import csrf_of, login

ROLES = ["alice", "lead", "union", "employer", "national", "analyst", "admin", "outsider"]

# (method, path template) -> {username: expected status}; anonymous is always 303 to
# /login except for public routes. Path parameters are filled by ``_fill``.
OK, REDIRECT, FORBIDDEN, NOT_FOUND = 200, 303, 403, 404
EVERYONE_OK = dict.fromkeys(ROLES, OK)
EXPECTED: dict[tuple[str, str], dict[str, int]] = {
    ("GET", "/"): dict.fromkeys(ROLES, REDIRECT),  # each role is redirected to its page
    ("GET", "/login"): dict.fromkeys(ROLES, REDIRECT),  # already logged in: go home
    ("GET", "/healthz"): EVERYONE_OK,
    ("GET", "/teams"): {**EVERYONE_OK, "alice": FORBIDDEN},
    ("GET", "/teams/{team_id}/plan"): {
        "alice": FORBIDDEN, "lead": OK, "union": FORBIDDEN, "employer": FORBIDDEN,
        "national": FORBIDDEN, "analyst": FORBIDDEN, "admin": OK, "outsider": NOT_FOUND},
    ("GET", "/me/week"): {**dict.fromkeys(ROLES, FORBIDDEN), "alice": OK},
    ("GET", "/visits/{visit_id}"): {
        **dict.fromkeys(ROLES, FORBIDDEN), "alice": OK, "lead": OK, "outsider": NOT_FOUND},
    ("GET", "/admin/users"): {**dict.fromkeys(ROLES, FORBIDDEN), "admin": OK},
    ("POST", "/visits/{visit_id}/realization"): {
        **dict.fromkeys(ROLES, FORBIDDEN), "alice": REDIRECT, "lead": REDIRECT,
        "outsider": NOT_FOUND},
    ("POST", "/admin/users"): {**dict.fromkeys(ROLES, FORBIDDEN), "admin": 400},
    ("POST", "/login"): dict.fromkeys(ROLES, 401),  # empty credentials
    ("POST", "/logout"): dict.fromkeys(ROLES, REDIRECT),
    ("POST", "/language"): dict.fromkeys(ROLES, REDIRECT),
}
PUBLIC = {("GET", "/login"), ("GET", "/healthz"), ("POST", "/login"), ("POST", "/logout"),
          ("POST", "/language")}


def _routes(app: FastAPI) -> list[tuple[str, str, APIRoute]]:
    found = []
    for route in app.routes:
        if isinstance(route, APIRoute) and not route.path.startswith("/api/"):
            found.extend((method, route.path, route) for method in sorted(route.methods))
    return found


def _allow(route: APIRoute) -> Allow | None:
    for dependency in route.dependant.dependencies:
        if isinstance(dependency.call, Allow):
            return dependency.call
    return None


def test_every_route_declares_who_may_call_it(app: FastAPI) -> None:
    for method, path, route in _routes(app):
        assert _allow(route) is not None, f"{method} {path} has no Allow rule"
        assert (method, path) in EXPECTED, f"{method} {path} has no row in EXPECTED"


def _fill(path: str, cast: Cast, visit_id: int) -> str:
    return path.format(team_id=cast.team.id, visit_id=visit_id)


@pytest.mark.parametrize("username", ROLES)
def test_route_role_matrix(username: str, app: FastAPI, cast: Cast, session: Session,
                           browser: Callable[[str | None], TestClient]) -> None:
    visit = make_visit(session, cast.alice, cast.clients[0], cast.acts["BAIN"], MONDAY)
    session.commit()
    client = browser(username)
    for method, path, _route in _routes(app):
        url = _fill(path, cast, visit.id)
        if method == "GET":
            response = client.get(url, follow_redirects=False)
        else:
            token = _token(client)
            response = client.request(method, url, data={"csrf_token": token},
                                      follow_redirects=False)
            if path == "/logout":
                login(client, username)
        expected = EXPECTED[(method, path)][username]
        assert response.status_code == expected, f"{username} {method} {url}"


def test_anonymous_is_sent_to_login(app: FastAPI, cast: Cast,
                                    browser: Callable[[str | None], TestClient]) -> None:
    client = browser(None)
    for method, path, _route in _routes(app):
        if (method, path) in PUBLIC or method != "GET":
            continue
        response = client.get(_fill(path, cast, 1), follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/login")


def _token(client: TestClient) -> str:
    # Every page, even "not found", carries the session's token in its language form.
    return csrf_of(client.get("/nowhere").text)
