"""What bench/faults.py and bench/sync_load.py share: a throwaway database (SQLite
file or a PostgreSQL cluster started here, as tests/conftest.py does), a territory of
devices with open sessions, the Balise server as a uvicorn subprocess, and devices that
send their records in batches with retries until every record is acknowledged.

Sessions are opened in the database (``open_session``) rather than by logging in, so
that 200 argon2 hashes do not weigh on the measure; every request still goes through
the session cookie, the CSRF header and the worker's rights.
"""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, insert, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import PostgresServer, _pg_bin  # noqa: E402

from balise.accounts.models import User  # noqa: E402
from balise.accounts.service import open_session  # noqa: E402
from balise.core import clock  # noqa: E402
from balise.core.access import Role  # noqa: E402
from balise.core.db import make_engine, session_factory  # noqa: E402
from balise.core.migrate import upgrade  # noqa: E402
from balise.grid.models import Act, Visit, VisitAct  # noqa: E402
from balise.territory.models import Client, Establishment, Site, Team, Worker  # noqa: E402

COOKIE = "balise_session"  # the server runs with BALISE_SECURE_COOKIES=0 on loopback


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Database:
    """A fresh database for one run: ``Database("sqlite")`` or ``Database("postgresql")``."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.dir = Path(tempfile.mkdtemp(prefix=f"balise-bench-{kind}-"))
        self.pg: PostgresServer | None = None
        if kind == "postgresql":
            self.pg = PostgresServer()
            self.pg.start()
            self.url = self.pg.url()
        else:
            self.url = f"sqlite:///{self.dir / 'balise.sqlite3'}"
        self.engine: Engine = make_engine(self.url)
        upgrade(self.engine)

    def crash_postgres(self) -> None:
        """Stop PostgreSQL as a power cut would look to it (``-m immediate``), restart it."""
        assert self.pg is not None
        pg = self.pg
        subprocess.run([*pg.as_user, _pg_bin("pg_ctl"), "-D", str(pg.data), "-m", "immediate",
                        "stop"], check=True, capture_output=True)
        subprocess.run([*pg.as_user, _pg_bin("pg_ctl"), "-D", str(pg.data), "-w", "-l",
                        str(pg.dir / "log"), "-o",
                        f"-p {pg.port} -k {pg.dir} -c listen_addresses=127.0.0.1 "
                        "-c max_connections=200", "start"], check=True, capture_output=True)

    def close(self) -> None:
        self.engine.dispose()
        if self.pg is not None:
            self.pg.stop()
        shutil.rmtree(self.dir, ignore_errors=True)  # the SQLite file of the run


@dataclass
class Device:
    """A worker's phone: its session, its visits and the records it will send."""

    user_id: int
    token: str
    csrf: str
    visit_ids: list[int]
    device_id: str = field(default_factory=lambda: f"bench-{uuid.uuid4().hex[:12]}")


def seed(engine: Engine, devices: int, visits_each: int, day: date | None = None) -> list[Device]:
    """One establishment, one team, ``devices`` workers with a user and an open session,
    each with ``visits_each`` visits on ``day``; bulk inserts, so 200 × 60 takes seconds."""
    day = day or clock.today()
    with session_factory(engine)() as session:
        est = Establishment(code="BENCH", name="Banc d'essai")
        session.add(est)
        session.flush()
        site = Site(establishment_id=est.id, name="CLSC Banc", kind="urban", lat=46.8, lon=-71.2)
        session.add(site)
        session.flush()
        team = Team(establishment_id=est.id, site_id=site.id, code="B", name="Équipe banc")
        act = Act(code="BENCH", label_fr="Bain", label_en="Bath", professions=[])
        session.add_all([team, act])
        session.flush()
        workers = [Worker(establishment_id=est.id, team_id=team.id, home_site_id=site.id,
                          code=f"W{i:04d}", name=f"Worker {i}", profession="auxiliary",
                          skills=[]) for i in range(devices)]
        session.add_all(workers)
        clients = [Client(establishment_id=est.id, team_id=team.id, code=f"C{i:05d}",
                          lat=46.8 + (i % 100) / 1000, lon=-71.2, iso_smaf=5,
                          active_since=date(2025, 1, 1)) for i in range(devices)]
        session.add_all(clients)
        session.flush()
        rows = [{"establishment_id": est.id, "team_id": team.id, "client_id": clients[w].id,
                 "worker_id": workers[w].id, "day": day, "window_start": 8 * 60 + v,
                 "window_end": 12 * 60 + v, "planned_start": 8 * 60 + v, "planned_minutes": 30,
                 "status": "planned"} for w in range(devices) for v in range(visits_each)]
        visit_ids = list(session.scalars(insert(Visit).returning(Visit.id, sort_by_parameter_order=True), rows))
        session.execute(insert(VisitAct), [{"visit_id": v, "act_id": act.id, "planned": True,
                                            "done": False} for v in visit_ids])
        users = [User(username=f"bench{i}", display_name=f"Bench {i}", password_hash="!",
                      role=Role.WORKER.value, establishment_id=est.id, worker_id=workers[i].id,
                      team_id=team.id, language="fr", created_at=clock.now())
                 for i in range(devices)]
        session.add_all(users)
        session.flush()
        out = []
        for i, user in enumerate(users):
            token, web = open_session(session, user)
            out.append(Device(user.id, token, web.csrf_token,
                              visit_ids[i * visits_each:(i + 1) * visits_each]))
        session.commit()
        return out


def make_record(device: Device, visit_id: int, n: int, day: date) -> dict[str, Any]:
    """A valid record; its note names the record so the visit row tells which one won."""
    record_id = str(uuid.uuid4())
    start = datetime.combine(day, datetime.min.time()) + timedelta(hours=8, minutes=n % 200)
    recorded = datetime(2026, 1, 1) + timedelta(seconds=n)
    return {"record_id": record_id, "kind": "visit.realization", "device_id": device.device_id,
            "recorded_at": recorded.isoformat() + "Z", "visit_id": visit_id,
            "realization": {"status": "done", "start": start.isoformat(),
                            "end": (start + timedelta(minutes=35)).isoformat(),
                            "travel_minutes": n % 30, "acts_done": None, "reason_ids": [],
                            "unmet_act_ids": [], "note": f"record {record_id}"}}


class Server:
    """Balise under uvicorn, in its own process group so a SIGKILL takes all of it."""

    def __init__(self, url: str, workers: int = 1, app: str = "balise.web.app:create_app",
                 extra_env: dict[str, str] | None = None, app_dir: str | None = None) -> None:
        self.url, self.workers, self.app = url, workers, app
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "BALISE_DATABASE_URL": url, "BALISE_SECURE_COOKIES": "0",
                    "PYTHONPATH": str(ROOT), **(extra_env or {})}
        self.app_dir = app_dir
        self.process: subprocess.Popen[bytes] | None = None
        self.log = Path(tempfile.mkstemp(prefix="balise-uvicorn-", suffix=".log")[1])

    def start(self, timeout: float = 30) -> None:
        command = [sys.executable, "-m", "uvicorn", "--factory", self.app, "--host", "127.0.0.1",
                   "--port", str(self.port), "--log-level", "warning", "--no-access-log"]
        if self.workers > 1:
            command += ["--workers", str(self.workers)]
        if self.app_dir:
            command += ["--app-dir", self.app_dir]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(command, env=self.env, cwd=ROOT, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"uvicorn exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.base}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        # A supervisor whose workers fail to import respawns them forever: stop it all.
        self.kill()
        raise RuntimeError(f"uvicorn did not start: {self.log.read_text()[-2000:]}")

    def kill(self) -> None:
        """SIGKILL to the whole group: no shutdown, no flush, nothing polite."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


@dataclass
class Tally:
    attempted: dict[str, dict[str, Any]] = field(default_factory=dict)  # record_id -> record
    acked: dict[str, str] = field(default_factory=dict)  # record_id -> status
    requests: int = 0
    retries: int = 0
    replays_checked: int = 0
    replays_differing: int = 0
    refused: list[dict[str, Any]] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1


RETRYABLE = (httpx.TransportError, httpx.TimeoutException)


async def send_batch(client: httpx.AsyncClient, base: str, device: Device,
                     records: list[dict[str, Any]], tally: Tally, key: str | None = None,
                     give_up_after: float = 120.0) -> dict[str, Any]:
    """Send one batch until the server answers 200, with the same key every time;
    return the answer. Counts a record acknowledged only when a 200 names it."""
    key = key or str(uuid.uuid4())
    body = {"protocol": 1, "records": records}
    headers = {"Idempotency-Key": key, "X-CSRF-Token": device.csrf,
               "Cookie": f"{COOKIE}={device.token}"}
    delay = 0.05
    deadline = time.monotonic() + give_up_after
    while True:
        tally.requests += 1
        began = time.perf_counter()
        try:
            response = await client.post(f"{base}/api/sync", json=body, headers=headers)
        except RETRYABLE as error:
            tally.error(type(error).__name__)
        else:
            if response.status_code == 200:
                tally.latencies.append(time.perf_counter() - began)
                answer: dict[str, Any] = response.json()
                for ack in answer["acks"]:
                    if ack["status"] in ("applied", "superseded"):
                        tally.acked[ack["record_id"]] = ack["status"]
                    else:
                        tally.refused.append(ack)
                return answer
            tally.error(f"http_{response.status_code}")
            if response.status_code < 500:
                raise RuntimeError(f"batch refused {response.status_code}: {response.text[:300]}")
        if time.monotonic() > deadline:
            raise RuntimeError("gave up: the server never answered")
        tally.retries += 1
        await asyncio.sleep(delay * (0.5 + random.random()))
        delay = min(delay * 2, 1.0)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def stored_records(engine: Engine) -> list[Any]:
    from balise.field.models import SyncRecord

    with engine.connect() as conn:
        return list(conn.execute(select(SyncRecord.record_id, SyncRecord.payload,
                                        SyncRecord.payload_sha256, SyncRecord.status)))


def table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    widths = {c: max(len(c), *(len(str(r.get(c, ""))) for r in rows)) for c in columns}
    lines = ["  ".join(c.ljust(widths[c]) for c in columns),
             "  ".join("-" * widths[c] for c in columns)]
    lines += ["  ".join(str(r.get(c, "")).ljust(widths[c]) for c in columns) for r in rows]
    return "\n".join(lines)
