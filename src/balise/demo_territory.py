"""The demo's act catalogue and territory: establishment, sites, teams, workers, clients
and their care plans. Small tables, written with the ORM; the visits come after."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from balise import demo_catalogue as p
from balise.demo_durations import SPECS
from balise.grid.models import Act, ReferenceTime, VarianceReason
from balise.territory.models import (
    CarePlanItem,
    Client,
    Establishment,
    Site,
    Team,
    Worker,
    WorkerShift,
)

WEEKDAYS: tuple[int, ...] = (0, 1, 2, 3, 4)


@dataclass
class Catalogue:
    act_ids: dict[str, int]
    reason_ids: dict[str, int]
    versions: dict[str, list[tuple[date, int]]]  # ascending valid_from

    def minutes(self, act: str, day: date) -> int:
        """The reference time in force on ``day`` (the earliest one before any)."""
        chosen = self.versions[act][0][1]
        for valid_from, minutes in self.versions[act]:
            if valid_from <= day:
                chosen = minutes
        return chosen


@dataclass
class TeamInfo:
    id: int
    lat: float
    lon: float
    kind: str


@dataclass
class WorkerInfo:
    id: int
    code: str
    team: int
    profession: str
    days: tuple[int, ...]
    start: int


@dataclass
class ClientInfo:
    id: int
    code: str
    team: int
    lat: float
    lon: float
    smaf: int
    active_since: date


@dataclass
class Need:
    client: int
    act: str
    profession: str
    weekdays: tuple[int, ...]


@dataclass
class Territory:
    establishment_id: int
    teams: list[TeamInfo]
    workers: list[WorkerInfo]
    clients: list[ClientInfo]
    needs: list[Need]
    usual: dict[tuple[int, str], int]  # (client, profession) -> worker, indexes
    waiting: list[dict[str, Any]] = field(default_factory=list)  # referrals beyond caseloads
    # Weekly visits given to each worker; for professionals, clients followed (caseload).
    load: dict[int, int] = field(default_factory=dict)
    staff: dict[tuple[int, str], list[int]] = field(default_factory=dict)  # (team, profession)
    monthly: list[int] = field(default_factory=list)  # clients with no weekly need


def build_catalogue(session: Session, start: date, revision: date) -> Catalogue:
    acts = {s.code: Act(code=s.code, label_fr=s.label_fr, label_en=s.label_en,
                        professions=list(s.professions)) for s in p.ACTS}
    reasons = {code: VarianceReason(code=code, category=category, label_fr=fr, label_en=en)
               for code, category, fr, en in p.REASONS}
    session.add_all([*acts.values(), *reasons.values()])
    session.flush()
    numbers: dict[int, int] = {}

    def decision(day: date) -> str:
        numbers[day.year] = numbers.get(day.year, 0) + 1
        return f"{day.year}-{numbers[day.year]:03d}"

    imposed_from = start - timedelta(days=365 * p.IMPOSED_YEARS_BEFORE)
    grid_from = start - timedelta(days=p.GRID_ADOPTED_DAYS_BEFORE)
    grid_ref = decision(grid_from)
    versions: dict[str, list[tuple[date, int]]] = {}
    rows: list[ReferenceTime] = []
    for spec in p.ACTS:
        first = ((imposed_from, p.FIRM, None) if spec.imposed else (grid_from, p.COMMITTEE, grid_ref))
        rows.append(ReferenceTime(act_id=acts[spec.code].id, minutes=spec.first_minutes,
                                  valid_from=first[0], adopted_by=first[1], decision_ref=first[2]))
        versions[spec.code] = [(first[0], spec.first_minutes)]
    for spec in p.ACTS:
        if spec.revised_minutes is not None:
            rows.append(ReferenceTime(act_id=acts[spec.code].id, minutes=spec.revised_minutes,
                                      valid_from=revision, adopted_by=p.COMMITTEE,
                                      decision_ref=decision(revision)))
            versions[spec.code].append((revision, spec.revised_minutes))
    session.add_all(rows)
    session.flush()
    return Catalogue({c: a.id for c, a in acts.items()},
                     {c: r.id for c, r in reasons.items()}, versions)


def apportion(total: int, weights: Sequence[float]) -> list[int]:
    """Largest-remainder split of ``total`` in proportion to ``weights``."""
    w = np.asarray(weights, dtype=float)
    quotas = total * w / w.sum()
    counts = np.floor(quotas).astype(int)
    order = np.argsort(-(quotas - counts), kind="stable")
    counts[order[: total - int(counts.sum())]] += 1
    return [int(c) for c in counts]


def staffing(workers: int, weights: Sequence[float]) -> list[dict[str, int]]:
    """Each team's staff by profession. Professions are counted for the establishment
    first, so that the rare ones (a few dietitians) exist at all; the fractions a team
    misses for one profession are carried to the next, so that no team gets every rare
    one; every team has auxiliaries and nurses."""
    total = dict(zip(p.PROFESSION_SHARES, apportion(workers, list(p.PROFESSION_SHARES.values())),
                     strict=True))
    for needed in ("auxiliary", "nurse"):
        while total[needed] < len(weights):
            total[max(total, key=total.__getitem__)] -= 1
            total[needed] += 1
    w = np.asarray(weights, dtype=float) / sum(weights)
    carry = np.zeros(len(weights))
    teams: list[dict[str, int]] = [{} for _ in weights]
    for profession, count in total.items():
        quotas = count * w + carry
        counts = np.floor(quotas).astype(int)
        order = np.argsort(-(quotas - counts), kind="stable")
        counts[order[: count - int(counts.sum())]] += 1
        if profession in ("auxiliary", "nurse"):
            while counts.min() == 0:
                counts[int(counts.argmax())] -= 1
                counts[int(counts.argmin())] += 1
        carry = quotas - counts
        for team, n in zip(teams, counts, strict=True):
            team[profession] = int(n)
    return teams


def build_territory(session: Session, rng: np.random.Generator, spec: p.EstablishmentSpec, *,
                    workers: int, clients: int, start: date, end: date,
                    catalogue: Catalogue) -> Territory:
    establishment = Establishment(code=spec.code, name=spec.name)
    session.add(establishment)
    session.flush()
    specs = spec.sites[: min(len(spec.sites), max(1, workers // p.WORKERS_PER_TEAM))]
    teams = _teams(session, establishment.id, specs)
    staffs = staffing(workers, [s.staff_weight for s in specs])
    # Clients follow the staff who see them most, not the few professionals.
    caring = [sum(team[prof] for prof in p.NURSING_AND_AUXILIARIES) for team in staffs]
    staff = _workers(session, rng, establishment.id, spec.prefix, teams, staffs)
    territory = Territory(establishment.id, [TeamInfo(t.id, s.lat, s.lon, s.kind)
                                             for t, s in zip(teams, specs, strict=True)],
                          staff, [], [], {})
    for i, worker in enumerate(staff):
        territory.staff.setdefault((worker.team, worker.profession), []).append(i)
    codes = rng.choice(900_000, size=clients, replace=False) + 100_000
    rows: list[Client] = []
    for team_index, count in enumerate(apportion(clients, caring)):
        for _ in range(count):
            rows.append(_client(rng, territory, catalogue, specs[team_index], team_index,
                                f"{spec.prefix}-{codes[len(rows)]}", start, end))
    session.add_all(rows)
    session.flush()
    for info, row in zip(territory.clients, rows, strict=True):
        info.id = row.id
    return territory


def _teams(session: Session, establishment_id: int, specs: Sequence[p.SiteSpec]) -> list[Team]:
    sites = [Site(establishment_id=establishment_id, name=s.name, kind=s.kind, lat=s.lat, lon=s.lon)
             for s in specs]
    session.add_all(sites)
    session.flush()
    teams = [Team(establishment_id=establishment_id, site_id=site.id, code=s.team_code,
                  name=s.team_name) for site, s in zip(sites, specs, strict=True)]
    session.add_all(teams)
    session.flush()
    return teams


def _workers(session: Session, rng: np.random.Generator, establishment_id: int, prefix: str,
             teams: list[Team], staffs: list[dict[str, int]]) -> list[WorkerInfo]:
    rows: list[Worker] = []
    infos: list[WorkerInfo] = []
    for team_index, (team, counts) in enumerate(zip(teams, staffs, strict=True)):
        for profession, count in counts.items():
            for _ in range(count):
                start = int(rng.choice(p.SHIFT_STARTS.get(profession, p.DEFAULT_SHIFT_STARTS)))
                days = WEEKDAYS
                if rng.random() < p.PART_TIME_SHARE:
                    k = int(rng.choice([d for d, _ in p.PART_TIME_DAYS],
                                       p=[w for _, w in p.PART_TIME_DAYS]))
                    days = tuple(sorted(int(d) for d in rng.choice(5, size=k, replace=False)))
                code = f"{prefix}{1001 + len(rows)}"
                name = f"{rng.choice(p.FIRST_NAMES)} {rng.choice(p.LAST_NAMES)}"
                worker = Worker(establishment_id=establishment_id, team_id=team.id,
                                home_site_id=team.site_id, code=code, name=name,
                                profession=profession, skills=[])
                worker.shifts = [WorkerShift(weekday=d, start_minute=start,
                                             end_minute=start + p.PAID_MINUTES + p.BREAK_MINUTES,
                                             break_minutes=p.BREAK_MINUTES) for d in days]
                rows.append(worker)
                infos.append(WorkerInfo(0, code, team_index, profession, days, start))
    session.add_all(rows)
    session.flush()
    for info, row in zip(infos, rows, strict=True):
        info.id = row.id
    return infos


def _client(rng: np.random.Generator, territory: Territory, catalogue: Catalogue,
            site: p.SiteSpec, team: int, code: str, start: date, end: date) -> Client:
    weights = np.array([pl.weight for pl in site.places])
    place = site.places[int(rng.choice(len(site.places), p=weights / weights.sum()))]
    north, east = rng.normal(0.0, place.sd_km, size=2)
    lat = round(place.lat + north / 111.0, 3)
    lon = round(place.lon + east / (111.32 * math.cos(math.radians(place.lat))), 3)
    smaf = int(rng.choice(14, p=p.ISO_SMAF_WEIGHTS)) + 1
    if rng.random() < p.NEW_CLIENT_SHARE:
        since = start + timedelta(days=int(rng.integers(0, (end - start).days + 1)))
    else:
        since = start - timedelta(days=1 + int(rng.exponential(p.ACTIVE_SINCE_MEAN_DAYS)))
    index = len(territory.clients)
    territory.clients.append(ClientInfo(0, code, team, lat, lon, smaf, since))
    weekly = _needs(rng, territory, index, smaf, start)
    by_worker: dict[int, int] = {}
    for need in weekly:
        worker = territory.usual[(index, need.profession)]
        by_worker[worker] = by_worker.get(worker, 0) + len(need.weekdays)
    usual = max(by_worker, key=by_worker.__getitem__) if by_worker else None
    client = Client(code=code, establishment_id=territory.establishment_id,
                    team_id=territory.teams[team].id, lat=lat, lon=lon, iso_smaf=smaf,
                    usual_worker_id=territory.workers[usual].id if usual is not None else None,
                    active_since=since)
    client.care_plan = [CarePlanItem(act_id=catalogue.act_ids[n.act],
                                     times_per_week=len(n.weekdays),
                                     window_start=SPECS[n.act].window[0],
                                     window_end=SPECS[n.act].window[1], profession=n.profession)
                        for n in weekly]
    _link_needs(index, smaf, client.care_plan, catalogue)
    return client


def _link_needs(index: int, smaf: int, items: list[CarePlanItem], catalogue: Catalogue) -> None:
    """Double, sequenced, two-window and optional needs, by fixed rules (no draw, so the
    rest of the demo stays as it was): the bath of a heavy profile (Iso-SMAF 11+) takes
    two workers (a lift transfer); every sixth other client's bath is optional (it waits
    on the waiting list when the day is full); wound care or a dressing comes 30 to
    90 minutes after partial hygiene care; every fourth medication assistance may also
    be given in the late afternoon."""
    by_act = {item.act_id: item for item in items}
    bath = by_act.get(catalogue.act_ids["BAIN"])
    if bath is not None and smaf >= 11:
        bath.workers_needed = 2
    elif bath is not None and index % 6 == 5:
        bath.optional = True
    hygiene = catalogue.act_ids["HYG_PARTIELLE"]
    for code in ("PLAIE_SIMPLE", "PANSEMENT_COMPLEXE"):
        care = by_act.get(catalogue.act_ids[code])
        if care is not None and hygiene in by_act:
            care.follows_act_id, care.delay_min, care.delay_max = hygiene, 30, 90
            break
    medication = by_act.get(catalogue.act_ids["MED_ASSIST"])
    if medication is not None and index % 4 == 1:
        medication.window2_start, medication.window2_end = 16 * 60, 18 * 60


def _needs(rng: np.random.Generator, territory: Territory, client: int, smaf: int,
           start: date) -> list[Need]:
    team, since = territory.clients[client].team, territory.clients[client].active_since
    by_profession = {prof: workers for (t, prof), workers in territory.staff.items() if t == team}
    load = territory.load
    found: list[Need] = []
    b = p.band(smaf)
    for spec in p.NEEDS:
        if rng.random() >= spec.probability[b]:
            continue
        profession = spec.profession
        if (profession == "nurse" and "nursing_assistant" in SPECS[spec.act].professions
                and "nursing_assistant" in by_profession):
            share = len(by_profession["nursing_assistant"]) / (
                len(by_profession["nursing_assistant"]) + len(by_profession["nurse"]))
            profession = "nursing_assistant" if rng.random() < share else "nurse"
        candidates = by_profession.get(profession, [])
        if not candidates:
            continue
        worker = territory.usual.get((client, profession))
        if worker is None:
            worker = min(candidates, key=lambda i: (load.get(i, 0), i))
            if profession in p.CASELOAD and load.get(worker, 0) >= (
                    p.CASELOAD[profession] * len(territory.workers[worker].days) / 5):
                asked = start - timedelta(days=int(rng.integers(1, p.OVERFLOW_WAIT_DAYS)))
                territory.waiting.append({"client": client, "act": p.ASSESSMENT[profession],
                                          "requested_on": max(asked, since)})
                continue
            territory.usual[(client, profession)] = worker
            if profession in p.CASELOAD:
                load[worker] = load.get(worker, 0) + 1
        k = spec.times_per_week[b]
        if profession not in p.CASELOAD:
            load[worker] = load.get(worker, 0) + k
        found.append(Need(client, spec.act, profession,
                          _weekdays(rng, k, territory.workers[worker].days, found)))
    if not found:
        # Followed less than weekly: a nurse's monthly visit, outside the weekly plan.
        territory.usual.setdefault((client, "nurse"), min(
            by_profession["nurse"], key=lambda i: (load.get(i, 0), i)))
        territory.monthly.append(client)
    territory.needs.extend(found)
    return found


def _weekdays(rng: np.random.Generator, k: int, working: tuple[int, ...],
              earlier: list[Need]) -> tuple[int, ...]:
    """Regular days for a need, on the usual worker's days, apart from a bath day."""
    if k >= 5:
        return WEEKDAYS
    bath = [d for n in earlier if n.act == "BAIN" for d in n.weekdays]
    pool = [d for d in working if d not in bath]
    if len(pool) < k:
        pool = [d for d in WEEKDAYS if d not in bath]
    if len(pool) < k:
        pool = list(WEEKDAYS)
    return tuple(sorted(int(d) for d in rng.choice(pool, size=k, replace=False)))
