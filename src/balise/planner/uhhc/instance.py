"""The Unified Home Healthcare (UHHC) problem as plain frozen data.

Ceschia, Da Ros, Di Gaspero, Mancini, Maniezzo, Montemanni, Rosati, Schaerf, "A unified
formulation for home healthcare routing and scheduling problems", ITOR (2026). Times are
minutes from the start of the horizon; ``distances`` is the travel-time matrix over
terminal points and patients. ``reader.read_instance`` builds these objects and refuses a
file that breaks the rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

SyncKind = Literal["independent", "simultaneous", "sequential"]
WindowRule = Literal["at_service_start", "at_service_end"]
Weight = float | Literal["HARD"] | None

# The components of the objective, in the order of metadata.cost_components.
COMPONENTS: tuple[str, ...] = (
    "travel_time",
    "total_tardiness",
    "highest_tardiness",
    "total_waiting_time",
    "total_extra_time",
    "max_idle_time",
    "caregiver_preferences",
    "optional_patients",
    "missed_lunch_break",
    "qualification",
    "working_time",
    "incompabilities",  # sic: the UHHC spelling
    "workload_balance",
    "max_waiting_time",
)

LUNCH = "lunch_break"  # the service name of a lunch entry in a solution


@dataclass(frozen=True, slots=True)
class TimeWindow:
    start: float
    end: float


@dataclass(frozen=True, slots=True)
class RequiredService:
    service: str
    duration: float


@dataclass(frozen=True, slots=True)
class Synchronization:
    kind: SyncKind
    min_delay: float = 0.0
    max_delay: float = 0.0


@dataclass(frozen=True, slots=True)
class Patient:
    id: str
    required_services: tuple[RequiredService, ...]
    location: int  # row of the distance matrix
    time_windows: tuple[TimeWindow, ...]
    synchronization: Synchronization | None = None
    preferred_caregivers: frozenset[str] | None = None
    incompatible_caregivers: frozenset[str] | None = None
    optional: bool = False


@dataclass(frozen=True, slots=True)
class Caregiver:
    id: str
    abilities: frozenset[str]
    departing_point: str
    arrival_point: str
    working_shift: TimeWindow | None = None
    lunch_break: bool = False


@dataclass(frozen=True, slots=True)
class TerminalPoint:
    id: str
    location: int


@dataclass(frozen=True, slots=True)
class Service:
    id: str
    type: str
    default_duration: float | None = None


@dataclass(frozen=True, slots=True)
class LunchBreaks:
    start: float
    end: float
    min_duration: float


@dataclass(frozen=True, slots=True)
class CostWeights:
    """Weight of each component: a number, ``"HARD"`` (a constraint), or None (absent)."""

    weights: tuple[tuple[str, Weight], ...]

    def get(self, name: str) -> Weight:
        for key, value in self.weights:
            if key == name:
                return value
        return None

    def multiplier(self, name: str) -> float:
        """What the component counts for in the total: HARD counts once, absent not at all."""
        value = self.get(name)
        if value is None:
            return 0.0
        if value == "HARD":
            return 1.0
        return value

    def is_hard(self, name: str, absent_is_hard: bool = True) -> bool:
        """Is the component a constraint? Most absent components are (skills, lunch…)."""
        value = self.get(name)
        return value == "HARD" or (absent_is_hard and value is None)


@dataclass(frozen=True, slots=True)
class Instance:
    name: str
    origin: str
    time_window_met: WindowRule
    weights: CostWeights
    distances: tuple[tuple[float, ...], ...] = field(repr=False)
    terminal_points: tuple[TerminalPoint, ...]
    caregivers: tuple[Caregiver, ...]
    patients: tuple[Patient, ...]
    services: tuple[Service, ...]
    lunch_breaks: LunchBreaks | None = None

    def patients_by_id(self) -> dict[str, Patient]:
        return {p.id: p for p in self.patients}

    def caregivers_by_id(self) -> dict[str, Caregiver]:
        return {c.id: c for c in self.caregivers}

    def terminals_by_id(self) -> dict[str, TerminalPoint]:
        return {t.id: t for t in self.terminal_points}
