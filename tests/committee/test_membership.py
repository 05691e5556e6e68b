"""An administrator sets up committees and keeps their members, on a page or on the
command line; every change is journaled, and an unequal committee cannot adopt."""

from __future__ import annotations

from collections.abc import Callable
from html import unescape

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from balise.accounts.service import create_user
from balise.cli import app as cli
from balise.committee.membership import (
    MembershipError,
    change_seat,
    remove_member,
    seat_member,
    set_up_committee,
)
from balise.committee.models import Committee, CommitteeMember
from balise.committee.queries import constituted_now
from balise.committee.service import file_proposal, record_stance
from balise.core.access import Role
from balise.journal.models import JournalEntry
from tests.factories import PASSWORD, Cast
from tests.web.conftest import csrf_of


def _actions(session: Session) -> list[str]:
    return list(session.scalars(select(JournalEntry.action).order_by(JournalEntry.seq)))


def _committee_account(session: Session, cast: Cast, name: str, role: Role) -> object:
    return create_user(session, username=name, password=PASSWORD, role=role,
                       establishment_id=cast.est_a.id)


def test_national_committee_covers_several_establishments(session: Session,
                                                          cast: Cast) -> None:
    with pytest.raises(MembershipError) as alone:
        set_up_committee(session, kind="national", name="National", mandate="Comparer",
                         establishment_id=cast.est_a.id, actor=None)
    assert "au moins deux établissements" in alone.value.message()
    with pytest.raises(MembershipError):
        set_up_committee(session, kind="local", name="Local", mandate="m",
                         establishment_id=cast.est_a.id, covered=[cast.est_b.id], actor=None)
    national = set_up_committee(session, kind="national", name="National", mandate="Comparer",
                                establishment_id=cast.est_a.id, covered=[cast.est_b.id],
                                actor=cast.users["admin"].id)
    assert {e.establishment_id for e in national.establishments} == {cast.est_a.id,
                                                                     cast.est_b.id}


def test_only_committee_accounts_sit_each_on_its_own_side(session: Session,
                                                          cast: Cast) -> None:
    committee = set_up_committee(session, kind="local", name="Local", mandate="m",
                                 establishment_id=cast.est_a.id, actor=None)
    elsewhere = create_user(session, username="union-b", password=PASSWORD,
                            role=Role.COMMITTEE_UNION, establishment_id=cast.est_b.id)
    cases = [
        (cast.users["analyst"], "employer", "ne donne pas accès"),  # not a committee account
        (cast.users["union"], "employer", "ne peut pas siéger de l'autre côté"),
        (elsewhere, "union", "ne couvre pas"),  # another establishment
    ]
    for user, side, says in cases:
        with pytest.raises(MembershipError) as refused:
            seat_member(session, committee, user, side=side, voting=True, actor=None)
        assert says in refused.value.message(), refused.value.message()
    seat_member(session, committee, cast.users["union"], side="union", voting=True, actor=None)
    with pytest.raises(MembershipError) as twice:
        seat_member(session, committee, cast.users["union"], side="union", voting=True,
                    actor=None)
    assert twice.value.code == "member_already"


def test_substitute_answers_for_a_voting_member_of_its_own_side(session: Session,
                                                                cast: Cast) -> None:
    committee = set_up_committee(session, kind="local", name="Local", mandate="m",
                                 establishment_id=cast.est_a.id, actor=None)
    union = seat_member(session, committee, cast.users["union"], side="union", voting=True,
                        actor=None)
    employer = seat_member(session, committee, cast.users["employer"], side="employer",
                           voting=True, actor=None)
    second = _committee_account(session, cast, "union2", Role.COMMITTEE_UNION)
    with pytest.raises(MembershipError) as other_side:
        seat_member(session, committee, second, side="union", voting=False,  # type: ignore[arg-type]
                    substitute_for=employer, actor=None)
    assert other_side.value.code == "substitute_seat"
    with pytest.raises(MembershipError):
        seat_member(session, committee, second, side="union", voting=True,  # type: ignore[arg-type]
                    substitute_for=union, actor=None)
    substitute = seat_member(session, committee, second, side="union",  # type: ignore[arg-type]
                             voting=False, substitute_for=union, actor=None)
    assert substitute.substitute_for_id == union.id
    # The member they replace cannot leave (or lose the vote) while they substitute.
    with pytest.raises(MembershipError) as still_replaced:
        remove_member(session, committee, union, actor=None)
    assert still_replaced.value.code == "member_has_substitutes"


def test_membership_changes_are_journaled(session: Session, cast: Cast) -> None:
    committee = set_up_committee(session, kind="local", name="Local", mandate="m",
                                 establishment_id=cast.est_a.id, actor=cast.users["admin"].id)
    union = seat_member(session, committee, cast.users["union"], side="union", voting=True,
                        actor=cast.users["admin"].id)
    change_seat(session, committee, union, voting=False, substitute_for=None,
                email="union@cisss-a.example", actor=cast.users["admin"].id)
    remove_member(session, committee, union, actor=cast.users["admin"].id)
    seat_member(session, committee, cast.users["union"], side="union", voting=True, actor=None)
    assert _actions(session)[-5:] == ["committee.created", "committee.member.added",
                                      "committee.member.changed", "committee.member.removed",
                                      "committee.member.added"]
    # Coming back takes the same row: past stances stay with the person.
    assert session.scalars(select(CommitteeMember)).one().active


def _form(client: TestClient, url: str, data: dict[str, object]) -> str:
    token = csrf_of(client.get(url).text)
    response = client.post(url if not data.get("_to") else str(data.pop("_to")),
                           data={**data, "csrf_token": token})
    assert response.status_code in (200, 400), response.text
    return unescape(response.text)


def test_admin_page_builds_a_committee_and_shows_when_it_cannot_adopt(
    session: Session, cast: Cast, browser: Callable[[str | None], TestClient],
) -> None:
    _committee_account(session, cast, "union2", Role.COMMITTEE_UNION)
    session.commit()
    admin = browser("admin")
    page = _form(admin, "/admin/committees", {"name": "Comité SAD", "kind": "local",
                                              "mandate": "Organiser le travail, ensemble."})
    assert "Comité SAD" in page and "Organiser le travail" in page
    committee_id = session.scalars(select(Committee.id)).one()
    session.commit()  # SQLite: the app waits for no open transaction of the test
    url = f"/admin/committees/{committee_id}"
    for username, side in (("union", "union"), ("employer", "employer"), ("union2", "union")):
        page = _form(admin, url, {"_to": f"{url}/members", "username": username, "side": side,
                                  "voting": "1", "email": f"{username}@cisss-a.example"})
    assert "n'est pas constitué correctement" in page
    assert "partie patronale 1, partie syndicale 2" in page
    committee = session.get_one(Committee, committee_id)
    assert not constituted_now(committee)
    # Unequal sides: even unanimous agreement adopts nothing.
    seats = [m for m in committee.members if m.active]
    second_union = seats[2].id
    proposal = file_proposal(session, committee, seats[0], title="T", text="x")
    for seat in seats:
        assert record_stance(session, proposal, seat, "agree") is None
    assert proposal.status == "open"
    first_union = seats[0].id
    session.commit()
    # The administrator makes the second union seat a substitute: fixed.
    page = _form(admin, url, {"_to": f"{url}/members/{second_union}",
                              "substitute_for": str(first_union)})
    assert "Constitué correctement : 1 membres votants de chaque côté." in page
    session.expire_all()
    assert constituted_now(session.get_one(Committee, committee_id))
    assert "committee.member.changed" in _actions(session)
    session.commit()


def test_admin_form_errors_are_clear_and_write_nothing(
    session: Session, cast: Cast, browser: Callable[[str | None], TestClient],
) -> None:
    admin = browser("admin")
    page = _form(admin, "/admin/committees", {"name": "National", "kind": "national",
                                              "mandate": "m"})
    assert "au moins deux établissements" in page
    assert session.scalars(select(Committee)).all() == []
    session.commit()


def test_another_establishments_admin_does_not_see_the_committee(
    session: Session, cast: Cast, browser: Callable[[str | None], TestClient],
) -> None:
    committee = set_up_committee(session, kind="local", name="Local", mandate="m",
                                 establishment_id=cast.est_b.id, actor=None)
    session.commit()
    assert browser("admin").get(f"/admin/committees/{committee.id}").status_code == 404


def test_cli_creates_a_committee_and_keeps_its_members(
    session: Session, cast: Cast, database_url: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    session.commit()  # SQLite: an open transaction here would lock the command out
    monkeypatch.setenv("BALISE_DATABASE_URL", database_url)
    runner = CliRunner()
    made = runner.invoke(cli, ["committees", "create", "Comité national", "--kind", "national",
                               "--establishment", "EST-A", "--covers", "EST-B",
                               "--mandate", "Comparer les projets"])
    assert made.exit_code == 0, made.output
    committee_id = session.scalars(select(Committee.id)).one()
    session.commit()
    added = runner.invoke(cli, ["committees", "add-member", str(committee_id), "union",
                                "--side", "union", "--email", "union@cisss-a.example"])
    assert added.exit_code == 0, added.output
    assert "PAS constitué" in added.output  # one side only, so far
    added = runner.invoke(cli, ["committees", "add-member", str(committee_id), "employer",
                                "--side", "employer"])
    assert "1 votant(s) du côté patronal, 1 du côté syndical; constitué correctement" in \
        added.output, added.output
    wrong = runner.invoke(cli, ["committees", "add-member", str(committee_id), "analyst",
                                "--side", "union"])
    assert wrong.exit_code == 2 and "ne donne pas accès" in wrong.output
    removed = runner.invoke(cli, ["committees", "remove-member", str(committee_id), "employer"])
    assert removed.exit_code == 0 and "PAS constitué" in removed.output
    listing = runner.invoke(cli, ["committees", "list"])
    assert "Comité national" in listing.output and "votant" in listing.output
    session.expire_all()
    assert _actions(session).count("committee.member.added") == 2
    assert "committee.member.removed" in _actions(session)
