"""The demo territory: the same seed gives the same data, the data has the shape of real
home care, it describes no real person, and every role can log in to look at it."""

from __future__ import annotations

import os
import re
import shutil
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import date
from itertools import pairwise
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.orm import Session

from balise import demo_catalogue as params
from balise.accounts.service import authenticate, viewer_of
from balise.core.access import Role
from balise.core.db import make_engine, session_factory
from balise.core.errors import InvalidInput
from balise.core.i18n import language
from balise.demo import (
    DEMO_ACCOUNTS,
    DEMO_PASSWORD,
    DemoSummary,
    build_demo,
    default_end,
    fingerprint,
    is_demo_establishment,
    is_empty,
)
from balise.demo_durations import expected_minutes
from balise.grid.models import (
    Act,
    ReferenceTime,
    VarianceReason,
    Visit,
    VisitAct,
    VisitReason,
    WaitingListEntry,
)
from balise.territory.models import Client, Establishment, Worker
from tests.conftest import PostgresServer

END = date(2026, 11, 20)  # a Friday; fixed so that the data does not change with the date
SMALL = {"workers": 12, "clients": 80, "weeks": 2, "end": END}


@pytest.fixture
def demo(session: Session) -> DemoSummary:
    return build_demo(session, seed=7, **SMALL)


@pytest.fixture
def another_database(template_url: str, postgres_server: PostgresServer | None,
                     tmp_path: Path) -> Iterator[Callable[[], Session]]:
    """Further empty databases on the same engine, to compare two builds."""
    made: list[tuple[Session, str | None]] = []
    admin = None if postgres_server is None else make_engine(
        postgres_server.url(), isolation_level="AUTOCOMMIT")

    def make() -> Session:
        if postgres_server is None or admin is None:
            path = tmp_path / f"other{len(made)}.sqlite3"
            shutil.copyfile(template_url.removeprefix("sqlite:///"), path)
            url, name = f"sqlite:///{path}", None
        else:
            name = f"balise_demo_{os.getpid()}_{abs(hash(tmp_path)) % 10**8}_{len(made)}"
            with admin.connect() as conn:
                conn.execute(text(f"CREATE DATABASE {name} TEMPLATE balise_template"))
            url = postgres_server.url(name)
        session = session_factory(make_engine(url))()
        made.append((session, name))
        return session

    yield make
    for session, name in made:
        bind = session.get_bind()
        session.close()
        bind.engine.dispose()
        if admin is not None and name is not None:
            with admin.connect() as conn:
                conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    if admin is not None:
        admin.dispose()


def single_act_visits(session: Session) -> list[tuple[str, int, int]]:
    """(act code, Iso-SMAF, realized minutes) of the done visits that hold one act."""
    acts: dict[int, list[str]] = defaultdict(list)
    for visit_id, code in session.execute(select(VisitAct.visit_id, Act.code).join(Act)):
        acts[visit_id].append(code)
    rows = session.execute(select(Visit.id, Client.iso_smaf, Visit.realized_start,
                                  Visit.realized_end).join(Client, Visit.client_id == Client.id)
                           .where(Visit.status == "done"))
    return [(acts[v][0], smaf, round((end - start).total_seconds() / 60))
            for v, smaf, start, end in rows if len(acts[v]) == 1]


# --- reproducible ----------------------------------------------------------------------

def test_same_seed_gives_the_same_data_and_another_seed_other_data(
        session: Session, another_database: Callable[[], Session]) -> None:
    build_demo(session, seed=7, **SMALL)
    twin, other = another_database(), another_database()
    build_demo(twin, seed=7, **SMALL)
    build_demo(other, seed=8, **SMALL)
    assert fingerprint(session) == fingerprint(twin)
    assert fingerprint(session) != fingerprint(other)


def test_the_build_reports_its_progress_to_the_end(session: Session) -> None:
    seen: list[tuple[int, int]] = []
    build_demo(session, seed=3, progress=lambda done, total: seen.append((done, total)), **SMALL)
    assert seen[-1][0] == seen[-1][1]
    assert [done for done, _ in seen] == list(range(1, len(seen) + 1))


@pytest.mark.parametrize(("today", "end"), [
    (date(2026, 11, 23), date(2026, 11, 20)),  # Monday: the Friday just before
    (date(2026, 11, 20), date(2026, 11, 13)),  # Friday: today's week is not over
    (date(2026, 11, 21), date(2026, 11, 20)),  # Saturday: yesterday
])
def test_history_ends_on_the_last_friday_before_today(today: date, end: date) -> None:
    assert default_end(today) == end


@pytest.mark.parametrize(("field", "value"), [("workers", 2), ("clients", 0), ("weeks", 0)])
def test_sizes_out_of_range_are_refused(session: Session, field: str, value: int) -> None:
    sizes: dict[str, object] = {"workers": 12, "clients": 80, "weeks": 2, field: value}
    with pytest.raises(InvalidInput) as raised:
        build_demo(session, **sizes)  # type: ignore[arg-type]
    assert raised.value.field == field
    assert is_empty(session)


def test_a_loaded_database_is_no_longer_empty(session: Session, demo: DemoSummary) -> None:
    assert not is_empty(session)


# --- realistic ---------------------------------------------------------------------------

def test_territory_has_several_teams_every_profession_and_a_rural_site(
        session: Session) -> None:
    build_demo(session, seed=7, workers=60, clients=120, weeks=1, end=END)
    main = session.scalar(select(Establishment).where(Establishment.code == "DEMO-CN"))
    assert main is not None
    professions = set(session.scalars(select(Worker.profession)
                                      .where(Worker.establishment_id == main.id)))
    assert professions == set(params.PROFESSION_SHARES)
    kinds = session.execute(text("SELECT kind, COUNT(*) FROM site s JOIN team t ON t.site_id = s.id "
                                 "WHERE s.establishment_id = :e GROUP BY kind"), {"e": main.id})
    assert dict(kinds.all()) == {"urban": 4, "rural": 1}


def test_durations_are_right_skewed_for_every_frequent_act(
        session: Session, demo: DemoSummary) -> None:
    by_act: dict[str, list[int]] = defaultdict(list)
    for act, _smaf, minutes in single_act_visits(session):
        by_act[act].append(minutes)
    frequent = {act: m for act, m in by_act.items() if len(m) >= 30}
    assert len(frequent) >= 3
    for act, minutes in frequent.items():
        assert statistics.mean(minutes) > statistics.median(minutes), act


def test_heavier_profiles_take_longer_for_personal_care(
        session: Session, demo: DemoSummary) -> None:
    by_group: dict[tuple[str, bool], list[int]] = defaultdict(list)
    for act, smaf, minutes in single_act_visits(session):
        if act in ("BAIN", "HYG_PARTIELLE"):
            by_group[(act, smaf >= 7)].append(minutes)
    for act in ("BAIN", "HYG_PARTIELLE"):
        light, heavy = by_group[(act, False)], by_group[(act, True)]
        assert len(light) >= 10 and len(heavy) >= 10
        assert statistics.mean(heavy) > statistics.mean(light), act


def test_long_tails_carry_a_clinical_reason(session: Session) -> None:
    build_demo(session, seed=7, workers=24, clients=240, weeks=4, end=END)  # enough long visits
    clinical = set(session.scalars(
        select(VisitReason.visit_id).join(VarianceReason).where(VarianceReason.category == "clinical")))
    acts: dict[int, list[str]] = defaultdict(list)
    for visit_id, code in session.execute(select(VisitAct.visit_id, Act.code).join(Act)):
        acts[visit_id].append(code)
    ratios: dict[bool, list[float]] = {True: [], False: []}
    for visit_id, smaf, start, end in session.execute(
            select(Visit.id, Client.iso_smaf, Visit.realized_start, Visit.realized_end)
            .join(Client, Visit.client_id == Client.id).where(Visit.status == "done")):
        if len(acts[visit_id]) == 1:
            minutes = (end - start).total_seconds() / 60
            ratios[visit_id in clinical].append(minutes / expected_minutes(acts[visit_id][0], smaf))
    # Rare: a few percent of visits.
    assert 0 < len(ratios[True]) < 0.1 * len(ratios[False])
    # Long: about twice the usual time, while the others stay near it.
    assert statistics.median(ratios[True]) > 1.6
    assert statistics.median(ratios[False]) < 1.2
    # And the longest visits are mostly those with a clinical reason.
    longest = [True] * sum(r >= 2.5 for r in ratios[True]) + [False] * sum(
        r >= 2.5 for r in ratios[False])
    assert longest and sum(longest) / len(longest) >= 2 / 3


def test_each_worker_day_is_planned_in_order_with_travel_between(
        session: Session, demo: DemoSummary) -> None:
    days: dict[tuple[int, date], list[tuple[int, int, int | None]]] = defaultdict(list)
    for worker, day, start, minutes, travel in session.execute(
            select(Visit.worker_id, Visit.day, Visit.planned_start, Visit.planned_minutes,
                   Visit.travel_minutes).where(Visit.worker_id.is_not(None))):
        days[(worker, day)].append((start, minutes, travel))
    assert days
    for visits in days.values():
        visits.sort()
        for (start, minutes, _), (next_start, _, travel) in pairwise(visits):
            assert next_start >= start + minutes
            assert travel is None or travel >= 1


def test_baths_wait_on_the_waiting_list_and_some_are_served(
        session: Session, demo: DemoSummary) -> None:
    entries = session.execute(select(Act.code, WaitingListEntry.served_on, WaitingListEntry.source)
                              .join(Act, WaitingListEntry.act_id == Act.id)).all()
    baths = [e for e in entries if e.code == "BAIN"]
    assert any(e.served_on is None for e in baths)  # still waiting
    assert any(e.served_on is not None for e in baths)  # served later
    assert len(baths) > len(entries) / 2  # baths mostly
    assert {e.source for e in entries} == {"unmet_need", "request"}
    assert demo.waiting == sum(1 for e in entries if e.served_on is None)


# --- synthetic and pseudonymous --------------------------------------------------------------

NAME_LIKE = re.compile(r"name|nom|prenom|birth|naissance|nam|health|phone|address|adresse", re.I)


def test_clients_hold_no_name_like_field_and_a_rounded_place(
        session: Session, demo: DemoSummary) -> None:
    columns = [c["name"] for c in inspect(session.get_bind()).get_columns("client")]
    assert not [c for c in columns if NAME_LIKE.search(c)]
    for code, lat, lon in session.execute(select(Client.code, Client.lat, Client.lon)):
        assert re.fullmatch(r"[A-Z]{2}-\d{6}", code)
        assert round(lat, 3) == lat and round(lon, 3) == lon
        assert 46.5 < lat < 47.2 and -71.5 < lon < -70.3  # around Quebec City


def test_the_data_says_it_is_synthetic(session: Session, demo: DemoSummary) -> None:
    establishments = session.execute(select(Establishment.code, Establishment.name)).all()
    assert len(establishments) == 2
    assert all(is_demo_establishment(code) and "(démo)" in name for code, name in establishments)
    with language("fr"):
        assert "synthétique" in demo.describe()
    with language("en"):
        assert "synthetic" in demo.describe().lower()


# --- the seed's acts and the accounts ------------------------------------------------------------

@pytest.mark.parametrize(("code", "minutes"), [
    ("LAV_OREILLE", 15),   # ear wash, one ear
    ("LAV_OREILLES", 20),  # both ears
    ("PLAIE_SIMPLE", 15),  # simple wound care
    ("POST_DECES", 30),    # post-death follow-up
])
def test_seed_acts_start_with_the_time_the_firm_imposed(
        session: Session, demo: DemoSummary, code: str, minutes: int) -> None:
    versions = session.scalars(select(ReferenceTime).join(Act).where(Act.code == code)
                               .order_by(ReferenceTime.valid_from)).all()
    first = versions[0]
    assert (first.minutes, first.adopted_by, first.decision_ref) == (
        minutes, "Firme d'optimisation (standard imposé)", None)
    for later in versions[1:]:
        assert later.adopted_by == "Comité paritaire local"
        assert later.decision_ref is not None and re.fullmatch(r"\d{4}-\d{3}", later.decision_ref)


def test_the_committee_revised_some_imposed_times(session: Session, demo: DemoSummary) -> None:
    revised = session.scalars(select(Act.code).join(ReferenceTime)
                              .where(ReferenceTime.decision_ref.is_not(None),
                                     ReferenceTime.valid_from > demo.first_day)).all()
    assert {"PLAIE_SIMPLE", "BAIN", "POST_DECES"} <= set(revised)
    assert session.scalar(select(Act.id).where(Act.code == "BAIN")) is not None


def test_every_role_has_a_demo_account_whose_password_works(
        session: Session, demo: DemoSummary) -> None:
    assert {role for _, role in DEMO_ACCOUNTS} == set(Role)
    for username, role in DEMO_ACCOUNTS:
        user = authenticate(session, username, DEMO_PASSWORD)
        assert user.role == role.value
        viewer = viewer_of(user)
        if role is Role.WORKER:
            assert user.worker_id is not None and user.team_id is not None
        if role is Role.NATIONAL:
            assert len(viewer.establishment_ids) == 2
