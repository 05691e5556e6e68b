"""Reading UHHC instances: every shared file reads; a wrong one is refused at its field."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from balise.core.i18n import language
from balise.planner.uhhc.errors import UhhcFileError, UhhcFormatError
from balise.planner.uhhc.reader import parse_instance, read_instance
from tests.planner.uhhc.data import MANKOWSKA, UHHC, tiny

ALL_INSTANCES = sorted(UHHC.glob("*/*.json")) + sorted(MANKOWSKA.glob("*.json"))


def test_every_shared_instance_reads() -> None:
    assert len(ALL_INSTANCES) == 73
    for path in ALL_INSTANCES:
        instance = read_instance(path)
        size = len(instance.terminal_points) + len(instance.patients)
        assert len(instance.distances) == size


def test_the_tiny_instance_reads_with_defaults_filled() -> None:
    instance = parse_instance(tiny())
    p1 = instance.patients[1]
    assert [rs.duration for rs in p1.required_services] == [15.0, 20.0]  # default durations
    assert p1.synchronization is not None and p1.synchronization.kind == "simultaneous"
    assert instance.patients[2].time_windows[0].end == 300.0  # a window as [start, end]
    assert instance.caregivers[1].working_shift is None
    assert instance.weights.multiplier("total_tardiness") == 2.0
    assert instance.weights.multiplier("max_idle_time") == 0.0


def _set(path: list[Any], value: Any) -> Callable[[dict[str, Any]], None]:
    def apply(data: dict[str, Any]) -> None:
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return apply


def _delete(path: list[Any]) -> Callable[[dict[str, Any]], None]:
    def apply(data: dict[str, Any]) -> None:
        target = data
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]
    return apply


def _sync_on_single(data: dict[str, Any]) -> None:
    data["patients"][0]["synchronization"] = {"type": "independent"}


def _short_row(data: dict[str, Any]) -> None:
    data["distances"][1].pop()


def _missing_row(data: dict[str, Any]) -> None:
    data["distances"].pop()


def _duplicate_patient(data: dict[str, Any]) -> None:
    data["patients"][2]["id"] = "p0"


def _shared_index(data: dict[str, Any]) -> None:
    data["patients"][2]["distance_matrix_index"] = 1


CASES = [
    # (what is wrong, how to break the tiny instance, field path, reason code)
    ("no metadata", _delete(["metadata"]), "metadata", "required"),
    ("no cost components", _delete(["metadata", "cost_components"]),
     "metadata.cost_components", "required"),
    ("unknown component", _set(["metadata", "cost_components", "fun"], 3),
     "metadata.cost_components.fun", "unknown_component"),
    ("weight as text", _set(["metadata", "cost_components", "travel_time"], "1"),
     "metadata.cost_components.travel_time", "not_number"),
    ("unknown window rule", _set(["metadata", "time_window_met"], "sometimes"),
     "metadata.time_window_met", "unknown_choice"),
    ("a row too short", _short_row, "distances[1]", "row_size"),
    ("a row missing", _missing_row, "distances", "matrix_size"),
    ("negative travel", _set(["distances", 0, 2], -4), "distances[0][2]", "negative"),
    ("travel as text", _set(["distances", 2, 0], "20"), "distances[2][0]", "not_number"),
    ("unknown ability", _set(["caregivers", 1, "abilities", 0], "s9"),
     "caregivers[1].abilities[0]", "unknown_service"),
    ("unknown depot", _set(["caregivers", 0, "departing_point"], "d7"),
     "caregivers[0].departing_point", "unknown_terminal"),
    ("shift ends first", _set(["caregivers", 0, "working_shift", "end"], -1),
     "caregivers[0].working_shift.end", "negative"),
    ("shift reversed", _set(["caregivers", 0, "working_shift"], {"start": 300, "end": 200}),
     "caregivers[0].working_shift.end", "end_before_start"),
    ("lunch without a lunch period", _set(["caregivers", 0, "lunch_break"], True),
     "caregivers[0].lunch_break", "lunch_spec_missing"),
    ("lunch flag as text", _set(["caregivers", 0, "lunch_break"], "yes"),
     "caregivers[0].lunch_break", "not_boolean"),
    ("window reversed", _set(["patients", 1, "time_windows", 1, "end"], 100),
     "patients[1].time_windows[1].end", "end_before_start"),
    ("windows out of order", _set(["patients", 1, "time_windows", 1, "start"], 30),
     "patients[1].time_windows[1].start", "windows_unordered"),
    ("window start as text", _set(["patients", 0, "time_windows", 0, "start"], "9h"),
     "patients[0].time_windows[0].start", "not_number"),
    ("no window", _set(["patients", 0, "time_windows"], []),
     "patients[0].time_windows", "empty_list"),
    ("index out of range", _set(["patients", 0, "distance_matrix_index"], 9),
     "patients[0].distance_matrix_index", "index_out_of_range"),
    ("index shared", _shared_index, "patients[2].distance_matrix_index", "index_taken"),
    ("unknown service", _set(["patients", 0, "required_services", 0, "service"], "s5"),
     "patients[0].required_services[0].service", "unknown_service"),
    ("zero duration", _set(["patients", 0, "required_services", 0, "duration"], 0),
     "patients[0].required_services[0].duration", "not_positive"),
    ("sync on a single service", _sync_on_single, "patients[0].synchronization",
     "sync_single_service"),
    ("two services, no sync", _delete(["patients", 1, "synchronization"]),
     "patients[1].synchronization", "sync_missing"),
    ("unknown sync", _set(["patients", 1, "synchronization", "type"], "together"),
     "patients[1].synchronization.type", "unknown_choice"),
    ("sequence without distance", _set(["patients", 1, "synchronization"], {"type": "sequential"}),
     "patients[1].synchronization.distance", "sync_distance_missing"),
    ("sequence reversed", _set(["patients", 1, "synchronization"],
                               {"type": "sequential", "distance": {"min": 30, "max": 10}}),
     "patients[1].synchronization.distance.max", "max_below_min"),
    ("unknown preferred", _set(["patients", 0, "preferred_caregivers"], ["c9"]),
     "patients[0].preferred_caregivers[0]", "unknown_caregiver"),
    ("duplicate patient", _duplicate_patient, "patients[2].id", "duplicate_id"),
    ("three services", _set(["patients", 0, "required_services"],
                            [{"service": "s0"}, {"service": "s1"}, {"service": "s0"}]),
     "patients[0].required_services", "too_many_services"),
    ("optional as number", _set(["patients", 2, "optional"], 1), "patients[2].optional",
     "not_boolean"),
]


@pytest.mark.parametrize(("what", "breaks", "path", "code"), CASES, ids=[c[0] for c in CASES])
def test_a_wrong_instance_is_refused_at_its_field(
    what: str, breaks: Callable[[dict[str, Any]], None], path: str, code: str
) -> None:
    data = tiny()
    breaks(data)
    with pytest.raises(UhhcFormatError) as caught:
        parse_instance(data, file="tiny.json")
    assert (caught.value.path, caught.value.code) == (path, code)
    assert path in str(caught.value) and "tiny.json" in str(caught.value)


def test_the_refusal_speaks_french_and_english() -> None:
    data = tiny()
    data["patients"][1]["time_windows"][0]["end"] = -5
    with pytest.raises(UhhcFormatError) as caught:
        parse_instance(data, file="tiny.json")
    with language("fr"):
        assert "ne peut pas être négative" in str(caught.value)
    with language("en"):
        assert "cannot be negative" in str(caught.value)
        assert "patients[1].time_windows[0].end" in str(caught.value)


def test_a_file_that_is_not_json_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text("{ not json")
    with pytest.raises(UhhcFileError) as caught:
        read_instance(path)
    assert "broken.json" in str(caught.value)
    with pytest.raises(UhhcFileError):
        read_instance(tmp_path / "missing.json")
