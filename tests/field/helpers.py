"""Helpers for the field sync's tests: records as a phone makes them, batches as it sends them."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import httpx
from fastapi.testclient import TestClient

Browser = Callable[[str | None], TestClient]


def record(visit_id: int, day: date, *, record_id: str | None = None, device: str = "phone-a",
           recorded_at: str | None = None, start: str | None = "09:05",
           end: str | None = "10:20", **realization: Any) -> dict[str, Any]:
    """A record as the field app makes it: full state of the visit, device time in UTC
    (by default the afternoon of the visit's day, so that it stays within retention)."""
    body: dict[str, Any] = {"status": "done", "acts_done": None, "reason_ids": [],
                            "unmet_act_ids": [], "note": None, "travel_minutes": None}
    body["start"] = f"{day.isoformat()}T{start}:00" if start else None
    body["end"] = f"{day.isoformat()}T{end}:00" if end else None
    body.update(realization)
    return {"record_id": record_id or str(uuid.uuid4()), "kind": "visit.realization",
            "device_id": device, "recorded_at": recorded_at or f"{day.isoformat()}T15:00:00Z", "visit_id": visit_id,
            "realization": body}


def token(client: TestClient) -> str:
    response = client.get("/api/field/day")
    assert response.status_code == 200, response.text
    return str(response.json()["csrf_token"])


def send(client: TestClient, records: list[dict[str, Any]], key: str | None = "fresh",
         csrf: str | None = None, body: Any = None) -> httpx.Response:
    headers = {"X-CSRF-Token": csrf or token(client)}
    if key is not None:
        headers["Idempotency-Key"] = str(uuid.uuid4()) if key == "fresh" else key
    return client.post("/api/sync", json=body if body is not None else
                       {"protocol": 1, "records": records}, headers=headers)


def acks(response: httpx.Response) -> dict[str, dict[str, Any]]:
    assert response.status_code == 200, response.text
    return {a["record_id"]: a for a in response.json()["acks"]}


def local(day: date, clock: str) -> datetime:
    return datetime.fromisoformat(f"{day.isoformat()}T{clock}:00")
