"""Email for members awaiting a stance, received by a local SMTP sink."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from balise.cli import app
from balise.committee.notify import (
    addresses_at_domain,
    awaiting_members,
    notify_stance_needed,
    parse_smtp_url,
)
from balise.committee.record_errors import RecordError
from balise.committee.service import file_proposal, record_stance
from tests.committee.factories import Board, build_board
from tests.committee.smtp_sink import SmtpSink
from tests.factories import Cast


@pytest.fixture
def board(session: Session, cast: Cast) -> Board:
    return build_board(session, cast)


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    with SmtpSink() as running:
        yield running


def _addresses(session: Session, board: Board) -> dict[int, str]:
    users = [m.user_id for m in (board.employer, board.employer2, board.union, board.union2)]
    return addresses_at_domain(session, users, "cisss-a.example")


def test_one_message_per_member_awaiting_stance(session: Session, board: Board,
                                                sink: SmtpSink) -> None:
    proposal = file_proposal(session, board.committee, board.employer, title="Horaires d'été",
                             text="Décaler les quarts de juillet.")
    record_stance(session, proposal, board.union, "agree")
    notified = notify_stance_needed(session, proposal, sink.url, _addresses(session, board),
                                    base_url="https://balise.example")
    expected = {"employer@cisss-a.example", "employer2@cisss-a.example",
                "union2@cisss-a.example"}
    assert set(notified.sent) == expected
    received = sink.messages
    assert len(received) == 3
    assert {address for message in received for address in message.recipients} == expected
    body = received[0].message.get_content()
    # Python's header folding may double a space at the fold; mail readers show either.
    assert "Horaires d'été" in " ".join(str(received[0].message["Subject"]).split())
    assert f"https://balise.example/proposals/{proposal.id}" in body


def test_each_member_reads_it_in_their_language(session: Session, board: Board,
                                                sink: SmtpSink) -> None:
    english = session.get_one(type(board.committee.members[0]), board.union2.id)
    from balise.accounts.models import User

    session.get_one(User, english.user_id).language = "en"
    proposal = file_proposal(session, board.committee, board.employer, title="Bains",
                             text="x")
    notify_stance_needed(session, proposal, sink.url, _addresses(session, board))
    subjects = {m.recipients[0]: str(m.message["Subject"]) for m in sink.messages}
    assert subjects["union2@cisss-a.example"].startswith("[Balise] A proposal awaits")
    assert subjects["union@cisss-a.example"].startswith("[Balise] Une proposition attend")


def test_members_without_address_are_named_not_skipped_silently(
    session: Session, board: Board, sink: SmtpSink,
) -> None:
    proposal = file_proposal(session, board.committee, board.employer, title="T", text="x")
    addresses = {board.union.user_id: "union@cisss-a.example"}
    notified = notify_stance_needed(session, proposal, sink.url, addresses)
    assert notified.sent == ["union@cisss-a.example"]
    assert sorted(notified.without_address) == ["employer", "employer2", "union2"]


def test_adopted_proposal_sends_nothing(session: Session, board: Board, sink: SmtpSink) -> None:
    proposal = file_proposal(session, board.committee, board.employer, title="T", text="x")
    for member in (board.employer, board.employer2, board.union, board.union2):
        record_stance(session, proposal, member, "agree")
    assert awaiting_members(session, proposal) == []
    notified = notify_stance_needed(session, proposal, sink.url, _addresses(session, board))
    assert notified.sent == [] and sink.messages == []


@pytest.mark.parametrize("url, says", [
    ("", "BALISE_SMTP_URL"),
    ("http://mail.example:25", "n'est pas valide"),
    ("smtp://:25", "n'est pas valide"),
    ("smtp://mail.example:notaport", "n'est pas valide"),
])
def test_bad_smtp_setting_says_what_to_do(url: str, says: str) -> None:
    with pytest.raises(RecordError) as refused:
        parse_smtp_url(url)
    assert says in refused.value.message()


def test_smtp_url_forms() -> None:
    assert parse_smtp_url("smtp://mail.example").port == 25
    secure = parse_smtp_url("smtps://bot%40cisss:s%C3%A9cret@mail.example")
    assert (secure.port, secure.implicit_tls, secure.username, secure.password) == (
        465, True, "bot@cisss", "sécret")


def test_cli_reminds_everyone_awaiting(session: Session, board: Board, sink: SmtpSink,
                                       database_url: str,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    file_proposal(session, board.committee, board.employer, title="T", text="x")
    session.commit()
    monkeypatch.setenv("BALISE_DATABASE_URL", database_url)
    monkeypatch.setenv("BALISE_SMTP_URL", sink.url)
    result = CliRunner().invoke(app, ["notify-stances", "--domain", "cisss-a.example"])
    assert result.exit_code == 0, result.output
    assert "4 message(s) envoyé(s)" in result.output
    assert len(sink.messages) == 4


def test_cli_without_smtp_setting_explains(database_url: str,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BALISE_DATABASE_URL", database_url)
    monkeypatch.delenv("BALISE_SMTP_URL", raising=False)
    result = CliRunner().invoke(app, ["notify-stances", "--domain", "cisss-a.example"])
    assert result.exit_code == 2 and "BALISE_SMTP_URL" in result.output
