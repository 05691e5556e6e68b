"""The sync protocol's messages (``POST /api/sync``), as pydantic models for OpenAPI.

A batch is read record by record: a record that does not match :class:`VisitRecord` is
set aside and refused alone (``invalid_record``), so one bad record never holds back the
good ones of its batch. See docs/field-sync.md.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic.json_schema import SkipJsonSchema

PROTOCOL_VERSION: Literal[1] = 1
MAX_RECORDS = 200
MAX_KEY_LENGTH = 255

AckStatus = Literal["applied", "superseded", "refused", "conflict"]
# A row id: 32-bit in PostgreSQL, so a larger number is refused here, not by the database.
RowId = Annotated[int, Field(ge=1, le=2**31 - 1)]


class RealizationIn(BaseModel):
    """What the worker says about the visit: the whole state, not a change, so that the
    last version can simply replace the one before (no merge of partial edits)."""

    model_config = ConfigDict(extra="forbid")
    status: Literal["done", "not_done"] = "done"
    start: datetime | None = Field(None, description="Local time (Quebec) the visit began.")
    end: datetime | None = Field(None, description="Local time (Quebec) the visit ended.")
    travel_minutes: int | None = Field(None, ge=0, le=600)
    acts_done: list[RowId] | None = Field(
        None, max_length=50, description="Act ids done; null means the planned acts.")
    reason_ids: list[RowId] = Field(default_factory=list, max_length=20)
    unmet_act_ids: list[RowId] = Field(default_factory=list, max_length=50)
    # No NUL character: PostgreSQL text cannot hold one (SQLite can; both must agree).
    note: str | None = Field(None, max_length=2000, pattern=r"^[^\x00]*$")


class VisitRecord(BaseModel):
    """One record made on a device. ``record_id`` is made once, on the device, when the
    worker saves; every resend carries the same id and the same content."""

    model_config = ConfigDict(extra="forbid")
    record_id: uuid.UUID
    kind: Literal["visit.realization"] = "visit.realization"
    device_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")
    recorded_at: datetime = Field(
        description="The device's clock when the worker saved (ISO 8601, with offset).")
    visit_id: RowId
    realization: RealizationIn


class UnreadableRecord(BaseModel):
    """A record that did not match the protocol, kept aside to be refused alone."""

    record_id: str | None
    fields: list[str]


class SyncRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    protocol: Literal[1] = PROTOCOL_VERSION
    records: list[VisitRecord] = Field(max_length=MAX_RECORDS)
    unreadable: SkipJsonSchema[list[UnreadableRecord]] = Field(
        default_factory=list, exclude=True)

    @model_validator(mode="before")
    @classmethod
    def _set_aside_unreadable(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not isinstance(data.get("records"), list):
            return data
        readable: list[VisitRecord] = []
        unreadable: list[UnreadableRecord] = []
        for raw in data["records"][: MAX_RECORDS + 1]:
            try:
                readable.append(VisitRecord.model_validate(raw))
            except ValidationError as error:
                unreadable.append(_unreadable(raw, error))
        if len(data["records"]) > MAX_RECORDS:
            return data  # let the length check refuse the whole batch
        return {**data, "records": readable, "unreadable": unreadable}


def _unreadable(raw: Any, error: ValidationError) -> UnreadableRecord:
    record_id = raw.get("record_id") if isinstance(raw, dict) else None
    fields = sorted({".".join(str(p) for p in e["loc"]) or "record" for e in error.errors()})
    return UnreadableRecord(record_id=str(record_id)[:64] if record_id is not None else None,
                            fields=fields)


class RecordAck(BaseModel):
    """The server's answer about one record. ``applied`` and ``superseded`` mean it is
    stored for good (the device may forget it); ``refused`` and ``conflict`` mean it was
    not applied and say why, with a stable ``code`` and a translated ``message``."""

    record_id: str | None
    status: AckStatus
    visit_id: int | None = None
    code: str | None = None
    field: str | None = None
    message: str | None = None


class SyncResponse(BaseModel):
    protocol: Literal[1] = PROTOCOL_VERSION
    received_at: datetime
    acks: list[RecordAck]


class ApiError(BaseModel):
    """Every error of the ``/api/`` routes."""

    error: str
    code: str | None = None
