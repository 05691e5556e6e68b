"""A real app over the test database, and browsers (HTTP clients) logged in as the cast."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from balise.core.settings import Settings
from balise.web.app import create_app
from tests.factories import PASSWORD, Cast


@pytest.fixture
def app(engine: Engine, database_url: str, cast: Cast) -> FastAPI:
    return create_app(Settings(database_url=database_url), engine)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no CSRF token"
    return found.group(1)


def login(client: TestClient, username: str, password: str = PASSWORD) -> TestClient:
    page = client.get("/login")
    response = client.post("/login", data={"username": username, "password": password,
                                           "csrf_token": csrf_of(page.text)},
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    return client


@pytest.fixture
def browser(app: FastAPI) -> Iterator[Callable[[str | None], TestClient]]:
    """``browser("alice")`` is a client logged in as alice; ``browser(None)`` anonymous."""
    clients: list[TestClient] = []

    def make(username: str | None) -> TestClient:
        client = TestClient(app, base_url="https://testserver", raise_server_exceptions=False)
        clients.append(client)
        return login(client, username) if username else client

    yield make
    for client in clients:
        client.close()
