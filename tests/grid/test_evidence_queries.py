"""Evidence read from a real database (SQLite and PostgreSQL): the k >= 5 guard on every
group, and figures a committee member can check by hand."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from balise.core import clock
from balise.core.errors import NotFound
from balise.grid.catalogue import act_catalogue
from balise.grid.evidence_frame import VisitFrame, load_frame
from balise.grid.evidence_queries import ActEvidence, evidence_for_acts
from balise.grid.models import ReferenceTime, VisitAct
from tests.factories import MONDAY, Cast, make_visit

BATH_MINUTES = [40, 44, 46, 50, 60, 70]  # one visit by each of T1's six workers


@pytest.fixture(autouse=True)
def _today() -> None:
    clock.freeze(datetime(2026, 12, 1, 9, 0))


def _bath(evidence: list[ActEvidence]) -> ActEvidence:
    return next(a for a in evidence if a.entry.act.code == "BAIN")


def _six_baths(session: Session, cast: Cast) -> None:
    for worker, minutes in zip(cast.workers, BATH_MINUTES, strict=True):
        make_visit(session, worker, cast.clients[0], cast.acts["BAIN"], MONDAY, minutes=minutes)
    # A second week for the team, within the standard.
    make_visit(session, cast.alice, cast.clients[1], cast.acts["BAIN"],
               MONDAY + timedelta(days=7), minutes=45)
    session.commit()


def test_team_of_six_shows_its_figures(session: Session, cast: Cast) -> None:
    _six_baths(session, cast)
    bath = _bath(evidence_for_acts(session, [cast.est_a.id]).acts)
    assert bath.reference == 45
    team = dict((t.code, g) for t, g in bath.by_team)["T1"]
    assert team.workers == 6 and team.value is not None
    figures = team.value
    assert figures.visits == 7 and figures.alone == 7
    assert figures.median is not None and figures.median.value == 46  # 40 44 45 46 50 60 70
    assert figures.share_above == pytest.approx(4 / 7)  # 46, 50, 60, 70 exceed 45
    # 1 + 5 + 15 + 25 minutes over, in two team-weeks
    assert figures.overrun_per_team_week == pytest.approx(23)
    assert bath.overall.value == figures  # the only team: the establishment's figures
    assert bath.estimated_minutes.value == pytest.approx(355 / 7)


def test_team_of_four_is_suppressed_and_not_recoverable_by_subtraction(
    session: Session, cast: Cast
) -> None:
    _six_baths(session, cast)
    for worker in cast.small_workers:
        make_visit(session, worker, cast.clients[3], cast.acts["BAIN"], MONDAY, minutes=90)
    session.commit()
    bath = _bath(evidence_for_acts(session, [cast.est_a.id]).acts)
    teams = {t.code: g for t, g in bath.by_team}
    assert teams["T4"].suppressed and teams["T4"].workers == 4
    # The establishment's total is shown (10 workers), so T1 is hidden as well:
    # otherwise total minus T1 would give T4's figures.
    assert bath.overall.value is not None and bath.overall.value.visits == 11
    assert teams["T1"].suppressed and teams["T1"].workers == 6


def test_iso_smaf_groups_are_guarded_like_teams(session: Session, cast: Cast) -> None:
    _six_baths(session, cast)  # clients 0 and 1: profiles 4 and 5
    for worker in cast.workers[:3]:
        make_visit(session, worker, cast.clients[2], cast.acts["BAIN"], MONDAY, minutes=30)
    session.commit()
    bath = _bath(evidence_for_acts(session, [cast.est_a.id]).acts)
    groups = dict(bath.by_iso_smaf)
    # Profiles 4 to 6 hold all ten visits of six workers.
    assert groups[(4, 6)].value is not None and groups[(4, 6)].value.visits == 10
    assert (7, 9) not in groups  # no visit there: no row at all


def test_a_visit_of_two_acts_counts_for_both_in_proportion(session: Session,
                                                           cast: Cast) -> None:
    _six_baths(session, cast)
    for worker in cast.workers:
        visit = make_visit(session, worker, cast.clients[0], cast.acts["BAIN"], MONDAY,
                           minutes=80, start_minute=13 * 60)
        visit.acts.append(VisitAct(act_id=cast.acts["PLAIE"].id, planned=False, done=True))
    session.commit()
    evidence = {a.entry.act.code: a for a in evidence_for_acts(session, [cast.est_a.id]).acts}
    wound = evidence["PLAIE"].overall.value
    assert wound is not None
    assert wound.visits == 6 and wound.alone == 0
    assert wound.median is None  # never done alone: no quantile of the act alone
    # 80 minutes against 45 + 15: 20 over, a quarter of it the wound care's.
    assert wound.share_above == 1.0
    assert wound.overrun_per_team_week == pytest.approx(6 * 5 / 2)
    bath = evidence["BAIN"].overall.value
    assert bath is not None and bath.visits == 13 and bath.alone == 7
    assert bath.median is not None and bath.median.value == 46  # the act alone only


def test_what_if_and_earlier_values(session: Session, cast: Cast) -> None:
    _six_baths(session, cast)
    session.add(ReferenceTime(act_id=cast.acts["BAIN"].id, minutes=30, valid_from=date(2025, 1, 1),
                              adopted_by="Firme externe", decision_ref=None))
    session.commit()
    evidence = evidence_for_acts(session, [cast.est_a.id], act_code="BAIN",
                                 proposed={"BAIN": 55})
    (bath,) = evidence.acts
    assert bath.overall.value is not None
    trial = bath.overall.value.what_if
    assert trial is not None and trial.share_above == pytest.approx(2 / 7)  # 60 and 70
    assert trial.mean_excess == pytest.approx(10)  # 5 and 15
    history = {v.minutes: (v.status, g.value) for v, g in bath.history}
    assert history[45][0] == "current" and history[30][0] == "earlier"
    earlier = history[30][1]
    assert earlier is not None and earlier.share_above == 1.0  # the firm's 30 flags every bath


def test_small_establishment_total_is_suppressed(session: Session, cast: Cast) -> None:
    for worker in cast.small_workers:
        make_visit(session, worker, cast.clients[3], cast.acts["PLAIE"], MONDAY, minutes=20)
    session.commit()
    evidence = evidence_for_acts(session, [cast.est_a.id], act_code="PLAIE")
    (wound,) = evidence.acts
    assert wound.overall.suppressed and wound.estimated_minutes.suppressed
    assert all(g.suppressed for _v, g in wound.history)
    assert evidence.visits.suppressed


def test_another_establishments_visits_are_not_read(session: Session, cast: Cast) -> None:
    _six_baths(session, cast)
    frame = load_frame(session, [cast.est_b.id])
    assert frame.visits == 0
    evidence = evidence_for_acts(session, [cast.est_b.id], act_code="BAIN", frame=frame)
    assert evidence.acts[0].overall.workers == 0 and evidence.acts[0].by_team == []


def test_unknown_act_is_not_found(session: Session, cast: Cast) -> None:
    with pytest.raises(NotFound):
        evidence_for_acts(session, [cast.est_a.id], act_code="NOPE")


def test_a_snapshot_gives_the_same_evidence(session: Session, cast: Cast,
                                            tmp_path: Path) -> None:
    _six_baths(session, cast)
    frame = load_frame(session, [cast.est_a.id])
    frame.save(tmp_path / "visits.npz")
    again = VisitFrame.read(tmp_path / "visits.npz")
    live = evidence_for_acts(session, [cast.est_a.id], frame=frame)
    stored = evidence_for_acts(session, [cast.est_a.id], frame=again)
    assert [a.overall for a in live.acts] == [a.overall for a in stored.acts]


def test_catalogue_current_value_and_history(session: Session, cast: Cast) -> None:
    bath = cast.acts["BAIN"].id
    session.add_all([
        ReferenceTime(act_id=bath, minutes=30, valid_from=date(2025, 1, 1),
                      adopted_by="Firme externe", decision_ref=None),
        ReferenceTime(act_id=bath, minutes=50, valid_from=date(2027, 1, 1),
                      adopted_by="Comité paritaire local", decision_ref="2026-014"),
    ])
    session.commit()
    entry = next(e for e in act_catalogue(session, clock.today()) if e.act.code == "BAIN")
    assert entry.current is not None
    assert (entry.current.minutes, entry.current.decision_ref) == (45, "2026-001")
    assert [(v.minutes, v.status) for v in entry.versions] == [
        (50, "upcoming"), (45, "current"), (30, "earlier")]
