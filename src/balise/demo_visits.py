"""The demo's history: weeks of visits planned from the care plans, assigned, routed and
realized, and the waiting list that cuts and visits leave behind.

Rows are plain dicts for bulk inserts; a visit is named by its position in
``History.visits`` until the database gives it an id.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np

from balise import demo_catalogue as p
from balise.demo_durations import SPECS, distance_km, realize, travel_minutes, window
from balise.demo_territory import Catalogue, ClientInfo, Need, Territory, WorkerInfo


@dataclass
class History:
    visits: list[dict[str, Any]] = field(default_factory=list)
    acts: list[tuple[int, int, bool, bool]] = field(default_factory=list)  # visit, act, planned, done
    reasons: list[tuple[int, int]] = field(default_factory=list)  # visit, reason
    entries: list[dict[str, Any]] = field(default_factory=list)  # "visit": index or None
    deceased: list[int] = field(default_factory=list)  # client ids
    unstaffed: int = 0


@dataclass
class Job:
    """A visit to plan on one day: one client, one profession, the acts to do."""

    client: int
    profession: str
    acts: list[str]
    entries: list[int] = field(default_factory=list)  # waiting-list entries it serves
    retry: list[str] = field(default_factory=list)  # one-off acts to try again if missed
    tries: int = 0


NOON = 720
# A degree of longitude is cos(46.9°) of a degree of latitude around Quebec City: enough
# to rank neighbours without the cost of a great-circle distance.
LON_SQUARED = math.cos(math.radians(46.9)) ** 2


class Simulation:
    """One establishment's history, week by week then day by day. Every draw comes from
    the one generator it is given, in an order fixed by the loops (lists and dicts, never
    sets), so that the same seed replays the same history."""

    def __init__(self, rng: np.random.Generator, territory: Territory, catalogue: Catalogue,
                 first: date, end: date) -> None:
        self.rng, self.t, self.cat, self.first, self.end = rng, territory, catalogue, first, end
        self.out = History()
        self.open_bath: dict[int, int] = {}  # client -> entry
        self.one_offs: dict[date, list[Job]] = {}
        self.death: dict[int, date] = {}
        self.by_weekday: dict[int, list[Need]] = {d: [] for d in range(5)}
        for need in territory.needs:
            for d in need.weekdays:
                self.by_weekday[d].append(need)
        self.away: set[int] = set()
        self.bath_cut: set[int] = set()
        self.cut_today: list[int] = []
        self.neighbours = {
            i: [j for j, other in enumerate(territory.teams) if j != i and distance_km(
                team.lat, team.lon, other.lat, other.lon) <= p.NEIGHBOUR_KM]
            for i, team in enumerate(territory.teams)}
        for row in territory.waiting:
            self._entry(row["client"], row["act"], "request", row["requested_on"])

    def run(self, tick: Callable[[], None]) -> History:
        monday = self.first
        while monday <= self.end:
            self._week(monday)
            for offset in range(5):
                day = monday + timedelta(days=offset)
                if day <= self.end:
                    self._day(day)
                    tick()
            monday += timedelta(days=7)
        self.out.entries = [e for e in self.out.entries if not e.pop("dropped", False)]
        self.out.deceased = [self.t.clients[c].id for c in self.death]
        return self.out

    # --- the week ---------------------------------------------------------------------

    def _week(self, monday: date) -> None:
        rng, t = self.rng, self.t
        week = (monday - self.first).days // 7
        for c in t.monthly:
            if (week + c) % 4 == 0 and self._alive(c, monday):
                self._later(monday + timedelta(days=int(rng.integers(0, 5))),
                            Job(c, "nurse", [p.MONTHLY_ACT], retry=[p.MONTHLY_ACT]))
        self.away = {i for i, r in enumerate(rng.random(len(t.workers))) if r < p.VACATION_WEEK_P}
        alive = [c for c in range(len(t.clients)) if self._alive(c, monday)]
        for c, r in zip(alive, rng.random(len(alive)), strict=True):
            if r < p.DEATH_HAZARD[0] + p.DEATH_HAZARD[1] * (t.clients[c].smaf - 1):
                self._die(c, monday + timedelta(days=int(rng.integers(0, 5))))
        for c, (one, both) in zip(alive, rng.random((len(alive), 2)), strict=True):
            for act, r in (("LAV_OREILLE", one), ("LAV_OREILLES", both)):
                if r < p.EAR_WASH_P:
                    profession = "nursing_assistant" if (c, "nursing_assistant") in t.usual else "nurse"
                    self._later(monday + timedelta(days=int(rng.integers(0, 5))),
                                Job(c, profession, [act], retry=[act]))
        for team in range(len(t.teams)):
            members = [c for c in alive if t.clients[c].team == team]
            for _ in range(int(rng.poisson(p.REQUESTS_PER_TEAM_WEEK))):
                act = str(rng.choice([a for a, _ in p.REQUEST_ACTS], p=[w for _, w in p.REQUEST_ACTS]))
                day = monday + timedelta(days=int(rng.integers(0, 5)))
                if members and day <= self.end:
                    self._request(int(rng.choice(members)), act, "request", day, None)
        self._cut_baths(monday)

    def _cut_baths(self, monday: date) -> None:
        """The direction's cut: only a share of the week's baths may be planned; those
        already waiting come first, the others in an order that changes every week."""
        self.bath_cut = set()
        for team in range(len(self.t.teams)):
            due = [n.client for n in self.t.needs if n.act == "BAIN"
                   and self.t.clients[n.client].team == team
                   and self._alive(n.client, monday + timedelta(days=n.weekdays[0]))]
            waiting = sorted((c for c in due if c in self.open_bath),
                             key=lambda c: (self.out.entries[self.open_bath[c]]["requested_on"], c))
            others = [due[i] for i in self.rng.permutation(len(due)) if due[i] not in self.open_bath]
            keep = math.ceil(p.BATH_HOURS_SHARE * len(due))
            self.bath_cut.update((waiting + others)[keep:])

    def _die(self, client: int, day: date) -> None:
        if day > self.end:
            return
        self.death[client] = day
        for entry in self.out.entries:
            if entry["client"] == client and entry["served_on"] is None:
                entry["dropped"] = True
        self.open_bath.pop(client, None)
        team = self.t.clients[client].team
        profession = "social_worker" if (team, "social_worker") in self.t.staff else "nurse"
        delay = int(self.rng.integers(p.POST_DEATH_DELAY_DAYS[0], p.POST_DEATH_DELAY_DAYS[1] + 1))
        self._later(day + timedelta(days=delay),
                    Job(client, profession, ["POST_DECES"], retry=["POST_DECES"]))

    def _alive(self, client: int, day: date) -> bool:
        death = self.death.get(client)
        return self.t.clients[client].active_since <= day and (death is None or day < death)

    def _later(self, day: date, job: Job) -> None:
        while day.weekday() >= 5:
            day += timedelta(days=1)
        if day <= self.end:
            self.one_offs.setdefault(day, []).append(job)

    def _entry(self, client: int, act: str, source: str, day: date, visit: int | None = None,
               note: str | None = None) -> int:
        info = self.t.clients[client]
        self.out.entries.append({
            "establishment_id": self.t.establishment_id, "team_id": self.t.teams[info.team].id,
            "client_id": info.id, "client": client, "act_id": self.cat.act_ids[act],
            "source": source, "visit": visit, "requested_on": day, "served_on": None,
            "note": note})
        return len(self.out.entries) - 1

    def _request(self, client: int, act: str, source: str, day: date, visit: int | None) -> None:
        """A need waiting for a professional; served some weeks later by a one-off visit."""
        profession = SPECS[act].professions[0]
        if (self.t.clients[client].team, profession) not in self.t.staff:
            return
        entry = self._entry(client, act, source, day, visit)
        weeks = int(self.rng.geometric(p.SERVE_P_PER_WEEK))
        self._later(day + timedelta(days=7 * weeks), Job(client, profession, [act], [entry], [act]))

    def _bath_waits(self, client: int, day: date, visit: int | None, note: str | None) -> None:
        if client not in self.open_bath:
            self.open_bath[client] = self._entry(client, "BAIN", "unmet_need", day, visit, note)

    # --- the day ----------------------------------------------------------------------

    def _day(self, day: date) -> None:
        rng, t = self.rng, self.t
        sick = rng.random(len(t.workers)) < p.SICK_DAY_P
        present = {i for i, w in enumerate(t.workers)
                   if day.weekday() in w.days and i not in self.away and not sick[i]}
        jobs: dict[tuple[int, str], Job] = {}
        self.cut_today = []
        for need in self.by_weekday[day.weekday()]:
            if not self._alive(need.client, day):
                continue
            if need.act == "BAIN" and need.client in self.bath_cut:
                self.cut_today.append(need.client)
                continue
            jobs.setdefault((need.client, need.profession), Job(need.client, need.profession, [])
                            ).acts.append(need.act)
        for job in self.one_offs.pop(day, []):
            if self._alive(job.client, day) or job.acts == ["POST_DECES"]:
                merged = jobs.setdefault((job.client, job.profession),
                                         Job(job.client, job.profession, [], tries=job.tries))
                merged.acts += [a for a in job.acts if a not in merged.acts]
                merged.entries += job.entries
                merged.retry += [a for a in job.retry if a not in merged.retry]
        plans: dict[int, list[Job]] = {}
        load: dict[int, float] = {}
        # Baths last: when the day is full they are what the direction lets go first.
        pending = list(jobs.values())
        shuffled = [pending[i] for i in rng.permutation(len(pending))]
        for job in sorted(shuffled, key=lambda j: "BAIN" in j.acts):
            if "BAIN" in job.acts and "HYG_PARTIELLE" in job.acts:
                job.acts.remove("HYG_PARTIELLE")  # the bath covers the day's hygiene
            minutes = self._planned(job, day) + p.TRAVEL_ESTIMATE[t.teams[t.clients[job.client].team].kind]
            worker = self._assign(job, present, load, minutes)
            if worker is None and "BAIN" in job.acts:
                self.cut_today.append(job.client)
                job.acts.remove("BAIN")
                if not job.acts:
                    continue
                minutes = self._planned(job, day) + p.TRAVEL_ESTIMATE[t.teams[t.clients[job.client].team].kind]
                worker = self._assign(job, present, load, minutes)
            if worker is None:
                self._missed(job, day, None)
                continue
            plans.setdefault(worker, []).append(job)
            load[worker] = load.get(worker, 0) + minutes
        first_visit: dict[int, int] = {}
        for worker in sorted(plans):
            for index in self._work(worker, day, plans[worker]):
                first_visit.setdefault(int(self.out.visits[index]["client"]), index)
        for client in self.cut_today:
            self._bath_waits(client, day, first_visit.get(client), p.BATH_CUT_NOTE)

    def _assign(self, job: Job, present: set[int], load: dict[int, float],
                minutes: float) -> int | None:
        """The usual worker when present with room; else the least loaded colleague of
        the profession with room, then of another profession allowed for every act;
        essential care (not a bath) may then run into overtime."""
        def room(w: int, extra: float) -> bool:
            visit_share = p.VISIT_SHARE.get(self.t.workers[w].profession, p.PROFESSIONAL_VISIT_SHARE)
            return load.get(w, 0) + minutes <= p.PAID_MINUTES * visit_share + extra

        usual = self.t.usual.get((job.client, job.profession))
        if usual is not None and usual in present and room(usual, 0):
            return usual
        home = self.t.clients[job.client].team
        allowed = [prof for prof in p.PROFESSION_SHARES
                   if all(prof in SPECS[a].professions for a in job.acts)]
        # Own team first, overtime before a stranger; a neighbouring team's colleague of
        # the same profession last, as a team lead would ask before dropping a visit.
        steps = [([home], [job.profession], 0), ([home], allowed, 0)]
        if "BAIN" not in job.acts:
            steps += [([home], [job.profession], p.OVERTIME_TOLERANCE),
                      ([home], allowed, p.OVERTIME_TOLERANCE),
                      (self.neighbours[home], [job.profession], 0)]
        for teams, professions, extra in steps:
            candidates = [w for team in teams for prof in professions
                          for w in self.t.staff.get((team, prof), []) if w in present and room(w, extra)]
            if candidates:
                return min(candidates, key=lambda w: (load.get(w, 0), w))
        return None

    def _missed(self, job: Job, day: date, visit: int | None) -> None:
        if visit is None:
            visit = self._unstaffed(job, day)
        if "BAIN" in job.acts:
            self._bath_waits(job.client, day, visit, None)
        if job.retry and job.tries < p.ONE_OFF_TRIES:
            self._later(day + timedelta(days=1), Job(job.client, job.profession, list(job.retry),
                                                     job.entries, job.retry, job.tries + 1))

    def _unstaffed(self, job: Job, day: date) -> int:
        """A visit of the plan that no present worker could take: kept, cancelled, with
        its reason, so that the shortage shows in the figures instead of vanishing."""
        client = self.t.clients[job.client]
        span = window(job.acts)
        visit = len(self.out.visits)
        self.out.visits.append({
            "establishment_id": self.t.establishment_id, "team_id": self.t.teams[client.team].id,
            "client_id": client.id, "client": job.client, "worker_id": None, "day": day,
            "window_start": span[0], "window_end": span[1], "planned_start": None,
            "planned_minutes": self._planned(job, day), "status": "cancelled",
            "realized_start": None, "realized_end": None, "travel_minutes": None, "note": None})
        self.out.acts += [(visit, self.cat.act_ids[a], True, False) for a in job.acts]
        self.out.reasons.append((visit, self.cat.reason_ids["PERSONNEL"]))
        self.out.unstaffed += 1
        return visit

    def _planned(self, job: Job, day: date) -> int:
        return sum(self.cat.minutes(a, day) for a in job.acts)

    # --- one worker's day -------------------------------------------------------------

    def _work(self, index: int, day: date, jobs: list[Job]) -> list[int]:
        worker = self.t.workers[index]
        team = self.t.teams[worker.team]
        plan = self._schedule(worker, day, jobs)
        made: list[int] = []
        at, real_at, lunch = (team.lat, team.lon), float(worker.start), False
        midnight = datetime.combine(day, datetime.min.time())
        for job, planned_start, minutes in plan:
            client = self.t.clients[job.client]
            span = window(job.acts)
            row: dict[str, Any] = {
                "establishment_id": self.t.establishment_id,
                "team_id": self.t.teams[client.team].id, "client_id": client.id,
                "client": job.client, "worker_id": worker.id, "day": day,
                "window_start": span[0], "window_end": span[1],
                "planned_start": planned_start, "planned_minutes": minutes, "status": "done",
                "realized_start": None, "realized_end": None, "travel_minutes": None, "note": None}
            visit = len(self.out.visits)
            self.out.visits.append(row)
            made.append(visit)
            travel = travel_minutes(at[0], at[1], client.lat, client.lon, team.kind)
            r = self.rng.random()
            if r < p.CANCELLED_P:
                row["status"] = "cancelled"
                self.out.acts += [(visit, self.cat.act_ids[a], True, False) for a in job.acts]
                self._missed(job, day, visit)
                continue
            moved = travel * self.rng.lognormal(0.0, p.TRAVEL_SIGMA)
            if self.rng.random() < p.TRAVEL_DELAY_P:
                moved += self.rng.uniform(*p.TRAVEL_DELAY_MINUTES)
                if self.rng.random() < p.TRAVEL_REASON_P:
                    parking = self.rng.random() < p.PARKING_SHARE[team.kind]
                    reason = "STATIONNEMENT" if parking else "DEPLACEMENT"
                    self.out.reasons.append((visit, self.cat.reason_ids[reason]))
            real_at += moved
            if not lunch and real_at >= NOON:
                real_at, lunch = real_at + p.BREAK_MINUTES, True
            start = round(max(real_at, planned_start - p.EARLY_START_MINUTES))
            row["travel_minutes"] = round(moved)
            at = (client.lat, client.lon)
            if r < p.CANCELLED_P + p.NOT_DONE_P:
                row["status"] = "not_done"
                self.out.acts += [(visit, self.cat.act_ids[a], True, False) for a in job.acts]
                self.out.reasons.append((visit, self.cat.reason_ids["ABSENT"]))
                real_at = start + p.NOT_DONE_MINUTES
                self._missed(job, day, visit)
                continue
            duration = self._realize(visit, worker, client, job, day)
            row["realized_start"] = midnight + timedelta(minutes=start)
            row["realized_end"] = midnight + timedelta(minutes=start + duration)
            real_at = start + duration
        return made

    def _schedule(self, worker: WorkerInfo, day: date,
                  jobs: list[Job]) -> list[tuple[Job, int, int]]:
        """Planned start of each visit along the route, lunch at noon. A route that ends
        past the shift (and its overtime) loses its last bath first."""
        team = self.t.teams[worker.team]
        limit = worker.start + p.PAID_MINUTES + p.BREAK_MINUTES + p.OVERTIME_TOLERANCE
        while True:
            plan: list[tuple[Job, int, int]] = []
            at, clock, lunch = (team.lat, team.lon), float(worker.start), False
            for job in self._route(team.lat, team.lon, jobs):
                client = self.t.clients[job.client]
                clock += travel_minutes(at[0], at[1], client.lat, client.lon, team.kind)
                if not lunch and clock >= NOON:
                    clock, lunch = clock + p.BREAK_MINUTES, True
                start = max(round(clock), window(job.acts)[0])
                minutes = self._planned(job, day)
                clock, at = start + minutes, (client.lat, client.lon)
                plan.append((job, start, minutes))
            baths = [job for job, *_ in plan if "BAIN" in job.acts]
            if clock <= limit or not baths:
                return plan
            baths[-1].acts.remove("BAIN")
            self.cut_today.append(baths[-1].client)
            jobs = [j for j in jobs if j.acts]

    def _route(self, lat: float, lon: float, jobs: list[Job]) -> list[Job]:
        """Earliest-closing windows first; nearest next client within the same window."""
        route: list[Job] = []
        for closing in sorted({window(j.acts)[1] for j in jobs}):
            left = [j for j in jobs if window(j.acts)[1] == closing]
            while left:
                nearest = min(left, key=lambda j: (self.t.clients[j.client].lat - lat) ** 2
                              + (self.t.clients[j.client].lon - lon) ** 2 * LON_SQUARED)
                left.remove(nearest)
                route.append(nearest)
                lat, lon = self.t.clients[nearest.client].lat, self.t.clients[nearest.client].lon
        return route

    def _realize(self, visit: int, worker: WorkerInfo, client: ClientInfo, job: Job,
                 day: date) -> int:
        done = realize(self.rng, worker.profession, client.smaf, job.acts)
        ids = self.cat.act_ids
        self.out.acts += [(visit, ids[a], True, True) for a in job.acts]
        if done.added is not None:
            self.out.acts.append((visit, ids[done.added], False, True))
        self.out.reasons += [(visit, self.cat.reason_ids[r]) for r in done.reasons]
        self.out.visits[visit]["note"] = done.note
        if done.referral is not None:
            self._request(job.client, done.referral, "unmet_need", day, visit)
        if "BAIN" in job.acts and job.client in self.open_bath:
            self.out.entries[self.open_bath.pop(job.client)]["served_on"] = day
        for entry in job.entries:
            self.out.entries[entry]["served_on"] = day
        return done.minutes
