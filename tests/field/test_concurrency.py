"""Two copies of one batch sent at the same moment execute once (a phone that retries
while its first try is still running)."""

from __future__ import annotations

import threading
import uuid

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from balise.core import clock
from balise.field.models import SyncBatch, SyncRecord
from tests.field.conftest import Day
from tests.field.helpers import Browser, record, send, token


def test_two_copies_of_a_batch_at_once_execute_once(
        browser: Browser, today_visits: Day, factory: sessionmaker[Session]) -> None:
    day = clock.today()
    records = [record(v.id, day) for v in today_visits.alice]
    key = str(uuid.uuid4())
    clients: list[TestClient] = [browser("alice"), browser("alice")]
    tokens = [token(c) for c in clients]
    start = threading.Barrier(len(clients))
    answers: list[httpx.Response] = []

    def post(i: int) -> None:
        start.wait()
        answers.append(send(clients[i], records, key=key, csrf=tokens[i]))

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [a.status_code for a in answers] == [200, 200]
    assert answers[0].json() == answers[1].json()
    assert sorted(a.headers.get("Idempotent-Replayed", "no") for a in answers) == ["no", "true"]
    with factory() as fresh:
        assert fresh.scalar(select(func.count()).select_from(SyncRecord)) == 3
        assert fresh.scalar(select(func.count()).select_from(SyncBatch)) == 1
