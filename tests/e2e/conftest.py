"""A real server on loopback and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from playwright.sync_api import Browser, sync_playwright
from sqlalchemy import Engine
from starlette.types import ASGIApp, Receive, Scope, Send

from balise.core.settings import Settings
from balise.web.app import create_app
from tests.factories import Cast

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


class SyncCut:
    """The phone's network cut on the server's side of the sync endpoint.

    Chromium's offline emulation lets a request from a page under a service worker
    through now and then, and Playwright's routing does not see such requests; while the
    cut is on, POST /api/sync answers 503 before the application sees it, as a network
    that never reaches the server would (the page keeps its outbox either way)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.on = threading.Event()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.on.is_set() and scope["type"] == "http" and scope["path"] == "/api/sync":
            await send({"type": "http.response.start", "status": 503, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        await self.app(scope, receive, send)


@pytest.fixture
def sync_cut(engine: Engine, database_url: str) -> SyncCut:
    return SyncCut(create_app(Settings(database_url=database_url), engine))


@pytest.fixture
def live_server(sync_cut: SyncCut, cast: Cast) -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(sync_cut, host="127.0.0.1", port=port,
                                           log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the web server did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=CHROMIUM_ARGS)
        yield browser
        browser.close()
