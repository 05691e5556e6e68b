"""The sync's decisions as pure functions: fingerprints, and which version of a visit
wins when two devices changed it. No database, no request: tested with tables of cases.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from balise.core.clock import TIMEZONE
from balise.core.i18n import lazy

# How a conflict was decided, shown to the team lead beside both versions.
RULES: dict[str, str] = {
    "later_recorded_at": lazy("The version saved later on its device is kept."),
    "tie_record_id": lazy("Both versions were saved at the same moment; the one with the greater record id is kept."),
    "replaces_server_change": lazy("A version from the field replaced a change made on the server."),
}


def canonical_json(value: Any) -> str:
    """One spelling per value: keys sorted, no spaces, UTF-8 kept as is."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str)


def sha256_of(value: Any) -> str:
    return hashlib.sha256(canonical_json(value).encode()).hexdigest()


def request_fingerprint(body: bytes) -> str:
    """The fingerprint of a batch: the same JSON spelled with other spaces or key order
    is the same request; anything else is another request."""
    try:
        return sha256_of(json.loads(body))
    except (ValueError, UnicodeDecodeError):
        return hashlib.sha256(body).hexdigest()


# A record is kept this long after it is received (retention.py, "sync_records"). One
# saved on a device longer ago than that is refused: its first copy may have been purged,
# and accepting it again would bring back what the retention job erased.
RECORD_KEPT_DAYS = 3 * 365


def device_utc(moment: datetime) -> datetime:
    """A device time as naive UTC; a time without offset is read as Quebec time."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=TIMEZONE)
    return moment.astimezone(UTC).replace(tzinfo=None)


def local_naive(moment: datetime | None) -> datetime | None:
    """A visit time as Balise stores it: Quebec wall-clock time without offset."""
    if moment is None or moment.tzinfo is None:
        return moment
    return moment.astimezone(TIMEZONE).replace(tzinfo=None)


@dataclass(frozen=True, order=True)
class VersionKey:
    """A version's place in time: later device time first, then the greater record id
    so that every server, replaying any order of arrival, picks the same winner."""

    recorded_at: datetime
    record_id: str

    @classmethod
    def of(cls, recorded_at: datetime, record_id: uuid.UUID) -> VersionKey:
        return cls(recorded_at, str(record_id))


def wins_over(candidate: VersionKey, current: VersionKey | None) -> bool:
    return current is None or candidate > current


def rule_between(a: VersionKey, b: VersionKey) -> str:
    return "tie_record_id" if a.recorded_at == b.recorded_at else "later_recorded_at"


def is_conflict(device_a: str, device_b: str) -> bool:
    """Successive versions from one device are the worker correcting themselves; only
    versions from two devices are a conflict someone should look at."""
    return device_a != device_b
