"""A loopback TCP proxy that breaks a share of the connections it carries (bench/faults.py).

Stands where toxiproxy would (not installable here: research/reliability.md 3.4). Each
connection is, with probability ``rate``, broken in one of three ways, chosen evenly:

* ``reset_before``  — the request is read, never forwarded, the client gets a TCP RST;
* ``reset_after``   — the request reaches the server, which may commit it; when its
  answer starts to come back the client gets a RST instead (the ambiguous case);
* ``truncate``      — the client gets only part of the answer, then the connection
  closes.

Clients must open one connection per request for the rate to be a rate of requests
(bench/faults.py turns keep-alive off). Runs in its own thread with its own event loop.
"""

from __future__ import annotations

import asyncio
import random
import socket
import struct
import threading
from collections import Counter

CHUNK = 65536
KINDS = ("reset_before", "reset_after", "truncate")


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with a RST rather than a FIN: SO_LINGER on, zero seconds."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


class FaultProxy:
    def __init__(self, backend_port: int, rate: float, seed: int) -> None:
        self.backend_port, self.rate = backend_port, rate
        self.random = random.Random(seed)
        self.counts: Counter[str] = Counter()
        self.loop = asyncio.new_event_loop()
        self.port = 0
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self) -> None:
        self._thread.start()
        self._ready.wait(10)

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._shutdown(), self.loop).result(timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)

    async def _shutdown(self) -> None:
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(
            asyncio.start_server(self._handle, "127.0.0.1", 0, backlog=1024))
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        self.loop.run_forever()
        server.close()

    async def _handle(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        # Held here: the stream protocol alone would let a waiting task be collected.
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        try:
            await self._carry(client_r, client_w)
        except asyncio.CancelledError:  # stop(): the run is over, say nothing
            client_w.transport.abort()

    async def _carry(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        self.counts["connections"] += 1
        fault = self.random.choice(KINDS) if self.random.random() < self.rate else None
        try:
            server_r, server_w = await asyncio.open_connection("127.0.0.1", self.backend_port)
        except OSError:
            self.counts["backend_down"] += 1
            _reset(client_w)
            return
        if fault == "reset_before":
            await client_r.read(CHUNK)
            self.counts[fault] += 1
            _reset(client_w)
            server_w.close()
            return
        upstream = asyncio.create_task(self._pipe(client_r, server_w))
        try:
            await self._answer(server_r, client_w, fault)
        except OSError:  # the server died mid-answer: the client sees it die too
            self.counts["backend_lost"] += 1
            _reset(client_w)
        finally:
            upstream.cancel()
            server_w.close()

    async def _answer(self, server_r: asyncio.StreamReader, client_w: asyncio.StreamWriter,
                      fault: str | None) -> None:
        first = True
        while True:
            data = await server_r.read(CHUNK)
            if not data:
                client_w.close()
                return
            if first and fault == "reset_after":
                self.counts[fault] += 1
                _reset(client_w)
                return
            if first and fault == "truncate":
                self.counts[fault] += 1
                client_w.write(data[:self.random.randrange(1, max(2, len(data)))])
                await client_w.drain()
                client_w.close()
                return
            first = False
            client_w.write(data)
            try:
                await client_w.drain()
            except ConnectionError:
                return

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(CHUNK):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
