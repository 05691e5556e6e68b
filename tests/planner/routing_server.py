"""A small local HTTP server that answers like a routing server, from recorded files.

Each test says what the server answers (status, body, delay) and reads back the
requests it received: the planner must make one table request per plan.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

DATA = Path(__file__).parent / "data"


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    delay_s: float = 0.0


@dataclass
class Received:
    method: str
    path: str
    body: bytes


@dataclass
class FakeRoutingServer:
    url: str
    answer: Answer
    received: list[Received] = field(default_factory=list)


def recorded(name: str) -> bytes:
    return (DATA / name).read_bytes()


@contextmanager
def routing_server(answer: Answer) -> Iterator[FakeRoutingServer]:
    state = FakeRoutingServer("", answer)

    class Handler(BaseHTTPRequestHandler):
        def _reply(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            state.received.append(Received(method, self.path, self.rfile.read(length)))
            time.sleep(state.answer.delay_s)
            self.send_response(state.answer.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(state.answer.body)))
            self.end_headers()
            self.wfile.write(state.answer.body)

        def do_GET(self) -> None:
            self._reply("GET")

        def do_POST(self) -> None:
            self._reply("POST")

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
