"""Read a UHHC instance (JSON) into frozen data, refusing what the model cannot mean.

Every check names the field path of the value it refuses, e.g.
``patients[3].time_windows[0].end``. The rules are those of the UHHC paper and of the
authors' validator (uhhc-toolbox 0.2.3): a square matrix over terminal points then
patients, known services and caregivers, windows with end >= start, a synchronisation for
exactly the patients with two services, and so on.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, cast

from balise.planner.uhhc.errors import UhhcFileError, UhhcFormatError
from balise.planner.uhhc.instance import (
    COMPONENTS,
    Caregiver,
    CostWeights,
    Instance,
    LunchBreaks,
    Patient,
    RequiredService,
    Service,
    Synchronization,
    SyncKind,
    TerminalPoint,
    TimeWindow,
    Weight,
    WindowRule,
)

# Present in the UHHC schema but not part of the validator's total: read and ignored.
IGNORED_COMPONENTS = ("tw_max_dev_in_time", "tw_max_dev_in_desired_time")
SYNC_KINDS = ("independent", "simultaneous", "sequential")
WINDOW_RULES = ("at_service_start", "at_service_end")


def load_json(path: str | Path) -> Any:
    """The parsed JSON of a file, or a UhhcFileError that says why not."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UhhcFileError(file=str(path), detail=str(exc)) from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise UhhcFileError(file=str(path), detail=str(exc)) from exc


def read_instance(path: str | Path) -> Instance:
    return parse_instance(load_json(path), file=str(path), default_name=Path(path).stem)


def parse_instance(data: Any, file: str = "<data>", default_name: str = "instance") -> Instance:
    return _InstanceReader(file).instance(data, default_name)


class Fields:
    """Typed access to JSON values; each refusal carries the file and the field path."""

    def __init__(self, file: str) -> None:
        self.file = file

    def fail(self, path: str, code: str, **params: Any) -> UhhcFormatError:
        return UhhcFormatError(self.file, path, code, **params)

    def obj(self, value: Any, path: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(path, "not_object")
        return cast(dict[str, Any], value)

    def items(self, value: Any, path: str, non_empty: bool = False) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(path, "not_list")
        if non_empty and not value:
            raise self.fail(path, "empty_list")
        return value

    def req(self, parent: dict[str, Any], key: str, path: str) -> Any:
        if parent.get(key) is None:
            raise self.fail(_join(path, key), "required")
        return parent[key]

    def text(self, value: Any, path: str) -> str:
        if not isinstance(value, str) or not value:
            raise self.fail(path, "not_string")
        return value

    def number(self, value: Any, path: str, positive: bool = False) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(path, "not_number")
        if not math.isfinite(value):
            raise self.fail(path, "not_number")
        if value < 0:
            raise self.fail(path, "negative")
        if positive and value == 0:
            raise self.fail(path, "not_positive")
        return float(value)

    def integer(self, value: Any, path: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(path, "not_integer")
        return value

    def boolean(self, value: Any, path: str) -> bool:
        if value is None:
            return False
        if not isinstance(value, bool):
            raise self.fail(path, "not_boolean")
        return value

    def pair(self, value: Any, path: str, first: str, second: str) -> tuple[float, float]:
        """``{first: a, second: b}`` or ``[a, b]``, both numbers with b >= a."""
        if isinstance(value, list):
            if len(value) != 2:
                raise self.fail(path, "not_pair", first=first, second=second)
            a, b = (self.number(v, f"{path}[{i}]") for i, v in enumerate(value))
            end_path = f"{path}[1]"
        elif isinstance(value, dict):
            d = value
            a = self.number(self.req(d, first, path), _join(path, first))
            b = self.number(self.req(d, second, path), _join(path, second))
            end_path = _join(path, second)
        else:
            raise self.fail(path, "not_pair", first=first, second=second)
        if b < a:
            code = "end_before_start" if first == "start" else "max_below_min"
            raise self.fail(end_path, code, **{first: _num(a), second: _num(b)})
        return a, b


class _InstanceReader(Fields):
    def instance(self, data: Any, default_name: str) -> Instance:
        root = self.obj(data, "")
        metadata = self.obj(self.req(root, "metadata", ""), "metadata")
        services = self.services(self.items(self.req(root, "services", ""), "services"))
        terminals = self.terminals(
            self.items(self.req(root, "terminal_points", ""), "terminal_points", True))
        service_ids = {s.id: s for s in services}
        caregivers = self.caregivers(
            self.items(self.req(root, "caregivers", ""), "caregivers", True),
            service_ids, {t.id for t in terminals})
        patients = self.patients(
            self.items(self.req(root, "patients", ""), "patients"), service_ids,
            {c.id for c in caregivers}, len(terminals))
        size = len(terminals) + len(patients)
        distances = self.matrix(self.req(root, "distances", ""), size)
        self.check_indices(terminals, patients, size)
        lunch = None
        if root.get("lunch_breaks") is not None:
            start, end = self.pair(root["lunch_breaks"], "lunch_breaks", "start", "end")
            spec = self.obj(root["lunch_breaks"], "lunch_breaks")
            duration = self.number(self.req(spec, "min_duration", "lunch_breaks"),
                                   "lunch_breaks.min_duration")
            lunch = LunchBreaks(start, end, duration)
        elif any(c.lunch_break for c in caregivers):
            index = next(i for i, c in enumerate(caregivers) if c.lunch_break)
            raise self.fail(f"caregivers[{index}].lunch_break", "lunch_spec_missing")
        rule = metadata.get("time_window_met") or "at_service_start"
        if rule not in WINDOW_RULES:
            raise self.fail("metadata.time_window_met", "unknown_choice", value=rule,
                            choices=", ".join(WINDOW_RULES))
        name = metadata.get("name") or default_name
        origin = metadata.get("origin") or "generated"
        return Instance(
            name=self.text(name, "metadata.name"),
            origin=self.text(origin, "metadata.origin"),
            time_window_met=cast(WindowRule, rule),
            weights=self.weights(self.req(metadata, "cost_components", "metadata")),
            distances=distances,
            terminal_points=terminals,
            caregivers=caregivers,
            patients=patients,
            services=services,
            lunch_breaks=lunch,
        )

    def weights(self, value: Any) -> CostWeights:
        path = "metadata.cost_components"
        spec = self.obj(value, path)
        pairs: list[tuple[str, Weight]] = []
        for key, weight in spec.items():
            where = _join(path, key)
            if key in IGNORED_COMPONENTS:
                continue
            if key not in COMPONENTS:
                raise self.fail(where, "unknown_component", name=key, choices=", ".join(COMPONENTS))
            if weight is None or weight == "HARD":
                pairs.append((key, weight))
            else:
                pairs.append((key, self.number(weight, where)))
        return CostWeights(tuple(pairs))

    def services(self, items: list[Any]) -> tuple[Service, ...]:
        seen: set[str] = set()
        out = []
        for i, item in enumerate(items):
            path = f"services[{i}]"
            d = self.obj(item, path)
            sid = self.text(self.req(d, "id", path), f"{path}.id")
            if sid in seen:
                raise self.fail(f"{path}.id", "duplicate_id", id=sid)
            seen.add(sid)
            kind = self.text(d["type"], f"{path}.type") if d.get("type") is not None else sid
            default = None
            if d.get("default_duration") is not None:
                default = self.number(d["default_duration"], f"{path}.default_duration", True)
            out.append(Service(sid, kind, default))
        return tuple(out)

    def terminals(self, items: list[Any]) -> tuple[TerminalPoint, ...]:
        seen: set[str] = set()
        out = []
        for i, item in enumerate(items):
            path = f"terminal_points[{i}]"
            d = self.obj(item, path)
            tid = self.text(self.req(d, "id", path), f"{path}.id")
            if tid in seen:
                raise self.fail(f"{path}.id", "duplicate_id", id=tid)
            seen.add(tid)
            if d.get("distance_matrix_index") is None and len(items) > 1:
                raise self.fail(f"{path}.distance_matrix_index", "required")
            index = d.get("distance_matrix_index", i)
            out.append(TerminalPoint(tid, self.integer(index, f"{path}.distance_matrix_index")))
        return tuple(out)

    def caregivers(
        self, items: list[Any], services: dict[str, Service], terminals: set[str]
    ) -> tuple[Caregiver, ...]:
        seen: set[str] = set()
        out = []
        for i, item in enumerate(items):
            path = f"caregivers[{i}]"
            d = self.obj(item, path)
            cid = self.text(self.req(d, "id", path), f"{path}.id")
            if cid in seen:
                raise self.fail(f"{path}.id", "duplicate_id", id=cid)
            seen.add(cid)
            abilities = self.items(self.req(d, "abilities", path), f"{path}.abilities")
            for j, ability in enumerate(abilities):
                if self.text(ability, f"{path}.abilities[{j}]") not in services:
                    raise self.fail(f"{path}.abilities[{j}]", "unknown_service", id=ability)
            depart = self.text(self.req(d, "departing_point", path), f"{path}.departing_point")
            arrive = d.get("arrival_point") or depart
            for key, point in (("departing_point", depart), ("arrival_point", arrive)):
                if self.text(point, f"{path}.{key}") not in terminals:
                    raise self.fail(f"{path}.{key}", "unknown_terminal", id=point)
            shift = None
            if d.get("working_shift") is not None:
                shift = TimeWindow(*self.pair(d["working_shift"], f"{path}.working_shift",
                                              "start", "end"))
            lunch = self.boolean(d.get("lunch_break"), f"{path}.lunch_break")
            out.append(Caregiver(cid, frozenset(abilities), depart, arrive, shift, lunch))
        return tuple(out)

    def patients(
        self, items: list[Any], services: dict[str, Service], caregivers: set[str],
        n_terminals: int,
    ) -> tuple[Patient, ...]:
        seen: set[str] = set()
        out = []
        for i, item in enumerate(items):
            path = f"patients[{i}]"
            d = self.obj(item, path)
            pid = self.text(self.req(d, "id", path), f"{path}.id")
            if pid in seen:
                raise self.fail(f"{path}.id", "duplicate_id", id=pid)
            seen.add(pid)
            required = self.required(d, path, services)
            index = d.get("distance_matrix_index", i + n_terminals)
            windows = self.windows(self.req(d, "time_windows", path), f"{path}.time_windows")
            sync = self.sync(d, path, len(required))
            prefs = [self.caregiver_set(d, path, key, caregivers)
                     for key in ("preferred_caregivers", "incompatible_caregivers")]
            out.append(Patient(
                id=pid, required_services=required,
                location=self.integer(index, f"{path}.distance_matrix_index"),
                time_windows=windows, synchronization=sync, preferred_caregivers=prefs[0],
                incompatible_caregivers=prefs[1],
                optional=self.boolean(d.get("optional"), f"{path}.optional")))
        return tuple(out)

    def required(
        self, d: dict[str, Any], path: str, services: dict[str, Service]
    ) -> tuple[RequiredService, ...]:
        items = self.items(self.req(d, "required_services", path), f"{path}.required_services",
                           True)
        if len(items) > 2:
            raise self.fail(f"{path}.required_services", "too_many_services", count=len(items))
        out = []
        for j, item in enumerate(items):
            where = f"{path}.required_services[{j}]"
            rs = self.obj(item, where)
            sid = self.text(self.req(rs, "service", where), f"{where}.service")
            if sid not in services:
                raise self.fail(f"{where}.service", "unknown_service", id=sid)
            if rs.get("duration") is not None:
                duration = self.number(rs["duration"], f"{where}.duration", True)
            elif services[sid].default_duration is not None:
                duration = cast(float, services[sid].default_duration)
            else:
                raise self.fail(f"{where}.duration", "no_duration", id=sid)
            out.append(RequiredService(sid, duration))
        if len(out) == 2 and services[out[0].service].type == services[out[1].service].type:
            raise self.fail(f"{path}.required_services[1].service", "same_service_type",
                            type=services[out[0].service].type)
        return tuple(out)

    def windows(self, value: Any, path: str) -> tuple[TimeWindow, ...]:
        out = [TimeWindow(*self.pair(w, f"{path}[{k}]", "start", "end"))
               for k, w in enumerate(self.items(value, path, True))]
        for k in range(1, len(out)):
            # The window of a start is found by bisection over the starts: they must be sorted.
            if out[k].start < out[k - 1].end:
                raise self.fail(f"{path}[{k}].start", "windows_unordered")
        return tuple(out)

    def sync(self, d: dict[str, Any], path: str, n_services: int) -> Synchronization | None:
        where = f"{path}.synchronization"
        if d.get("synchronization") is None:
            if n_services == 2:
                raise self.fail(where, "sync_missing")
            return None
        if n_services == 1:
            raise self.fail(where, "sync_single_service")
        spec = self.obj(d["synchronization"], where)
        kind = spec.get("type")
        if kind not in SYNC_KINDS:
            raise self.fail(f"{where}.type", "unknown_choice", value=kind,
                            choices=", ".join(SYNC_KINDS))
        if kind != "sequential":
            return Synchronization(cast(SyncKind, kind))
        distance = spec.get("distance")
        if distance is None:
            raise self.fail(f"{where}.distance", "sync_distance_missing")
        if isinstance(distance, int | float) and not isinstance(distance, bool):
            low = high = self.number(distance, f"{where}.distance")
        else:
            low, high = self.pair(distance, f"{where}.distance", "min", "max")
        return Synchronization("sequential", low, high)

    def caregiver_set(
        self, d: dict[str, Any], path: str, key: str, caregivers: set[str]
    ) -> frozenset[str] | None:
        if d.get(key) is None:
            return None
        where = f"{path}.{key}"
        found = set()
        for j, cid in enumerate(self.items(d[key], where)):
            if self.text(cid, f"{where}[{j}]") not in caregivers:
                raise self.fail(f"{where}[{j}]", "unknown_caregiver", id=cid)
            found.add(cid)
        return frozenset(found)

    def matrix(self, value: Any, size: int) -> tuple[tuple[float, ...], ...]:
        rows = self.items(value, "distances")
        if len(rows) != size:
            raise self.fail("distances", "matrix_size", expected=size, actual=len(rows))
        out = []
        for i, row in enumerate(rows):
            cells = self.items(row, f"distances[{i}]")
            if len(cells) != size:
                raise self.fail(f"distances[{i}]", "row_size", expected=size, actual=len(cells))
            if all(type(c) is int or type(c) is float for c in cells):
                converted = tuple(float(c) for c in cells)  # the common case, checked at once
                if all(c >= 0 and math.isfinite(c) for c in converted):
                    out.append(converted)
                    continue
            out.append(tuple(self.number(c, f"distances[{i}][{j}]") for j, c in enumerate(cells)))
        return tuple(out)

    def check_indices(
        self, terminals: tuple[TerminalPoint, ...], patients: tuple[Patient, ...], size: int
    ) -> None:
        owner: dict[int, str] = {}
        entries = [(f"terminal_points[{i}]", t.id, t.location) for i, t in enumerate(terminals)]
        entries += [(f"patients[{i}]", p.id, p.location) for i, p in enumerate(patients)]
        for path, ident, index in entries:
            where = f"{path}.distance_matrix_index"
            if not 0 <= index < size:
                raise self.fail(where, "index_out_of_range", index=index, last=size - 1)
            if index in owner:
                raise self.fail(where, "index_taken", index=index, other=owner[index])
            owner[index] = ident


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _num(value: float) -> str:
    return str(int(value)) if value.is_integer() else str(value)
