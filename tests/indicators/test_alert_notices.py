"""Committee members are told of each new balancing alert once: a notice in Balise,
and an email through the local SMTP sink when a mail server is configured."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from balise.cli import app
from balise.committee.models import Project
from balise.committee.service import create_project
from balise.core import clock
from balise.indicators.alert_models import AlertNotice
from balise.indicators.alert_notices import notify_balancing_alerts
from balise.indicators.dashboard import build_dashboard
from balise.indicators.models import IndicatorValue
from tests.committee.factories import Board, build_board
from tests.committee.smtp_sink import SmtpSink
from tests.factories import Cast
from tests.indicators.data import adopt, scenario_set, store_alert_scenario

ADDRESSES = {"employer": "employeur@cisss.example", "employer2": "employeur2@cisss.example",
             "union": "syndicat@cisss.example", "union2": "syndicat2@cisss.example"}


@pytest.fixture
def board(session: Session, cast: Cast) -> Board:
    board = build_board(session, cast)
    for name in ("employer", "employer2", "union", "union2"):
        member = getattr(board, name)
        member.email = ADDRESSES[name]
    session.commit()
    return board


@pytest.fixture
def project(session: Session, cast: Cast, board: Board) -> Project:
    clock.freeze(datetime(2026, 9, 1, 10, 0))
    project = create_project(session, board.committee, title="Bains du matin",
                             objectives="Plus de bains sans user l'équipe.",
                             team_ids=[cast.team.id])
    store_alert_scenario(session, cast.est_a.id, f"team:{cast.team.id}", 36.0, 3.0)
    adopt(session, board, project, scenario_set())
    return project


def _overtime(session: Session, cast: Cast, after: float) -> None:
    """Store the scenario again with overtime ending at ``after`` hours a week."""
    session.execute(delete(IndicatorValue))
    store_alert_scenario(session, cast.est_a.id, f"team:{cast.team.id}", 36.0, after)


def test_each_member_is_emailed_once_in_their_language(session: Session, cast: Cast,
                                                        board: Board, project: Project) -> None:
    cast.users["union"].language = "en"
    session.commit()
    with SmtpSink() as sink:
        told = notify_balancing_alerts(session, sink.url, base_url="https://balise.example")
        session.commit()
        assert sorted(told.emailed) == sorted(ADDRESSES.values())
        assert sorted(r for m in sink.messages for r in m.recipients) == sorted(
            ADDRESSES.values())
        by_address = {m.recipients[0]: m.message for m in sink.messages}
        english = by_address["syndicat@cisss.example"]
        assert english["Subject"] == "[Balise] Balancing alert: Bains du matin"
        body = english.get_content()
        assert "Overtime hours per worker-week" in body
        assert f"https://balise.example/projects/{project.id}/dashboard" in body
        french = by_address["employeur@cisss.example"]
        assert french["Subject"] == "[Balise] Alerte d'équilibre : Bains du matin"
        assert "Heures supplémentaires" in french.get_content()
        # Again, and after the dashboard is viewed: nothing new is sent.
        build_dashboard(session, project, compute=False)
        again = notify_balancing_alerts(session, sink.url)
        session.commit()
        assert (again.notices, again.emailed, len(sink.messages)) == (0, [], 4)
    stored = session.scalars(select(AlertNotice).order_by(AlertNotice.emailed_to)).all()
    assert [(n.volume_code, n.balancing_code, n.emailed_to, n.cleared_at) for n in stored] == [
        ("visits_per_worker_week", "overtime_hours_per_worker_week", a, None)
        for a in sorted(ADDRESSES.values())]


def test_an_alert_that_ends_and_comes_back_is_told_again(session: Session, cast: Cast,
                                                         board: Board, project: Project) -> None:
    with SmtpSink() as sink:
        notify_balancing_alerts(session, sink.url)
        _overtime(session, cast, after=1.0)  # overtime back to normal: the alert ends
        ended = notify_balancing_alerts(session, sink.url)
        assert (ended.cleared, ended.notices, len(sink.messages)) == (4, 0, 4)
        _overtime(session, cast, after=3.0)
        back = notify_balancing_alerts(session, sink.url)
        session.commit()
        assert (back.notices, len(back.emailed), len(sink.messages)) == (4, 4, 8)
    assert session.scalar(select(func.count()).select_from(AlertNotice)
                          .where(AlertNotice.cleared_at.is_(None))) == 4


def test_without_a_mail_server_members_are_told_in_balise_only(
        session: Session, cast: Cast, board: Board, project: Project) -> None:
    told = notify_balancing_alerts(session, "")
    session.commit()
    assert (told.notices, told.emailed) == (4, [])
    assert {n.emailed_to for n in session.scalars(select(AlertNotice))} == {""}
    # Configured later: the alert was already told, so no email for it.
    with SmtpSink() as sink:
        assert notify_balancing_alerts(session, sink.url).emailed == []
        assert sink.messages == []


def test_a_member_without_address_gets_the_notice_without_email(
        session: Session, cast: Cast, board: Board, project: Project) -> None:
    board.union2.email = ""
    session.commit()
    with SmtpSink() as sink:
        told = notify_balancing_alerts(session, sink.url)
        assert told.notices == 4 and len(told.emailed) == 3
        assert "syndicat2@cisss.example" not in {r for m in sink.messages for r in m.recipients}


def test_cli_notify_alerts_tells_once(session: Session, cast: Cast, board: Board,
                                      project: Project, database_url: str,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BALISE_DATABASE_URL", database_url)
    with SmtpSink() as sink:
        monkeypatch.setenv("BALISE_SMTP_URL", sink.url)
        first = CliRunner().invoke(app, ["indicators", "notify-alerts"])
        assert first.exit_code == 0, first.output
        assert "4 nouvel(s) avis d'alerte, 4 courriel(s) envoyé(s)" in first.output
        second = CliRunner().invoke(app, ["indicators", "notify-alerts"])
        assert "0 nouvel(s) avis d'alerte, 0 courriel(s) envoyé(s)" in second.output
        assert len(sink.messages) == 4


def test_cli_notify_alerts_says_when_the_mail_server_is_unreachable(
        session: Session, cast: Cast, board: Board, project: Project, database_url: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BALISE_DATABASE_URL", database_url)
    monkeypatch.setenv("BALISE_SMTP_URL", "smtp://127.0.0.1:9")  # discard port: refused
    result = CliRunner().invoke(app, ["indicators", "notify-alerts"])
    assert result.exit_code == 2
    assert "serveur de courriel" in result.output
    session.rollback()
    # Nothing half-done: the next run tells everyone.
    assert session.scalar(select(func.count()).select_from(AlertNotice)) == 0
