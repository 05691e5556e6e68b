"""The demo's joint committee, so that every committee page and the journal have real
content from the first start: members of both sides, a project moved through phases by
decision, proposals in every state (adopted, blocked, open), a decision that switched
realized times off for one team, a meeting with approved minutes, shared documents, the
seed's consultant contracts, and the current week planned from the care plans; and a
national committee across the demo establishments."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from balise.accounts.models import User
from balise.accounts.service import create_user
from balise.committee.contracts_example import seed_contracts_example
from balise.committee.documents import share_document
from balise.committee.meetings import approve_minutes, schedule_meeting, write_minutes
from balise.committee.membership import seat_member, set_up_committee
from balise.committee.models import Committee, CommitteeMember, Decision, Proposal
from balise.committee.service import (
    add_member,
    create_committee,
    create_project,
    file_proposal,
    record_stance,
)
from balise.core import clock
from balise.core.access import Role
from balise.demo_workforce import build_demo_workforce
from balise.grid.week_plan import generate_week, load_duration_model
from balise.territory.models import Establishment, Team

SECOND_UNION = "syndicat2"
SECOND_EMPLOYER = "employeur2"
NATIONAL_UNION = "national2"


def build_demo_committee(session: Session, password: str) -> Committee:
    est = session.scalars(select(Establishment).order_by(Establishment.id)).first()
    assert est is not None, "build the demo territory first"
    teams = list(session.scalars(select(Team).where(Team.establishment_id == est.id)
                                 .order_by(Team.id)))
    union = _user(session, "syndicat")
    employer = _user(session, "employeur")
    union2 = create_user(session, username=SECOND_UNION, password=password,
                         role=Role.COMMITTEE_UNION, establishment_id=est.id,
                         display_name="Luc Tremblay (syndicat)")
    employer2 = create_user(session, username=SECOND_EMPLOYER, password=password,
                            role=Role.COMMITTEE_EMPLOYER, establishment_id=est.id,
                            display_name="Nadia Bouchard (direction SAD)")
    committee = create_committee(
        session, kind="local", name="Comité paritaire local — soutien à domicile",
        establishment_id=est.id,
        mandate=("Organiser ensemble le travail en soutien à domicile : objectifs, choix des "
                 "consultants, diagnostic, implantation et suivi, par consensus."))
    seats = [add_member(session, committee, union, side="union"),
             add_member(session, committee, union2, side="union"),
             add_member(session, committee, employer, side="employer"),
             add_member(session, committee, employer2, side="employer")]
    everyone = seats
    project = create_project(
        session, committee, title="Bains : réduire l'attente sans minuter les soins",
        objectives=("Ramener l'attente médiane d'un bain sous 7 jours, sans hausse des heures "
                    "supplémentaires ni baisse de la continuité des soins."),
        team_ids=[t.id for t in teams[:2]])
    for step in ("Choix des consultants", "Diagnostic"):
        phase = file_proposal(session, committee, seats[2], title=f"Passer à l'étape : {step}",
                              text="Les objectifs et indicateurs sont convenus.", kind="phase",
                              project=project)
        _all_agree(session, phase, everyone)
    wound = file_proposal(
        session, committee, seats[0], kind="reference_time",
        title="Soin de plaie simple : 25 minutes",
        text=("Le standard imposé de 15 minutes est dépassé par la plupart des visites "
              "réelles; le comité adopte 25 minutes comme temps de référence."),
        rationale="Voir la page des preuves de l'acte.",
        effect={"act_code": "PLAIE_SIMPLE", "minutes": 25,
                "valid_from": (clock.today() - timedelta(days=14)).isoformat()})
    _all_agree(session, wound, everyone)
    if len(teams) > 1:
        times = file_proposal(
            session, committee, seats[0], kind="collection_setting",
            title=f"Ne plus saisir les heures réelles — {teams[1].name}",
            text=("À l'essai pour six mois dans cette équipe : on note fait / non fait et les "
                  "actes, sans heures de début et de fin."),
            effect={"key": "realized_times", "enabled": False, "team_id": teams[1].id})
        _all_agree(session, times, everyone)
    blocked = file_proposal(
        session, committee, seats[2], title="Justifier chaque dépassement chaque semaine",
        text="Chaque intervenant·e explique par écrit les dépassements de la semaine.")
    record_stance(session, blocked, seats[2], "agree")
    record_stance(session, blocked, seats[0], "block",
                  "Contraire au principe : le jugement clinique prime, pas de justification.")
    file_proposal(session, committee, seats[1], title="Deux bains par semaine aux profils 10+",
                  text="Offrir deux bains par semaine aux usagers de profil Iso-SMAF 10 et plus.",
                  deadline=clock.today() + timedelta(days=10))
    _meeting(session, committee, seats)
    share_document(session, committee, seats[0], filename="diagnostic-bains.txt",
                   declared_type="text/plain",
                   data="Diagnostic partagé : attente des bains par équipe.\n".encode())
    seed_contracts_example(session, committee, est.id)
    _plan_current_week(session, teams)
    build_demo_national_committee(session, password)
    build_demo_workforce(session)
    session.flush()
    return committee


def build_demo_national_committee(session: Session, password: str) -> Committee | None:
    """A national committee across the demo establishments: the "national" account on
    the employer side with a local employer member, a union representative of the
    second establishment with a local union member and a substitute, one decision and
    one open proposal."""
    establishments = list(session.scalars(select(Establishment).order_by(Establishment.id)))
    if len(establishments) < 2:
        return None
    host, others = establishments[0], establishments[1:]
    national_union = create_user(
        session, username=NATIONAL_UNION, password=password, role=Role.NATIONAL,
        establishment_id=others[0].id, display_name="Josée Lavoie (fédération syndicale)",
        extra_establishments=(host.id,))
    committee = set_up_committee(
        session, kind="national", name="Comité paritaire national — soutien à domicile",
        establishment_id=host.id, covered=[e.id for e in others], actor=None,
        mandate=("Comparer les projets d'organisation du travail des établissements et "
                 "leurs indicateurs (agrégats k ≥ 5 seulement), et recommander par "
                 "consensus."))
    employer = seat_member(session, committee, _user(session, "national"), side="employer",
                           voting=True, actor=None)
    employer_local = seat_member(session, committee, _user(session, "employeur"),
                                 side="employer", voting=True, actor=None)
    union = seat_member(session, committee, national_union, side="union", voting=True,
                        email="josee.lavoie@federation.example", actor=None)
    union_local = seat_member(session, committee, _user(session, "syndicat"), side="union",
                              voting=True, actor=None)
    seat_member(session, committee, _user(session, SECOND_UNION), side="union", voting=False,
                substitute_for=union_local, actor=None)
    seats = [employer, employer_local, union, union_local]
    shared = file_proposal(
        session, committee, union, title="Indicateurs communs de conditions de travail",
        text=("Chaque établissement suit les départs, le roulement, les postes vacants, "
              "l'absence maladie et les heures supplémentaires de ses équipes SAD, selon les "
              "formules de Balise, pour comparer les projets (lettre d'entente no 27)."))
    _all_agree(session, shared, seats)
    open_one = file_proposal(
        session, committee, employer,
        title="Partager les diagnostics des projets bains entre établissements",
        text="Déposer au comité national le diagnostic de chaque projet bains.",
        deadline=clock.today() + timedelta(days=14))
    record_stance(session, open_one, employer, "agree")
    record_stance(session, open_one, union, "reservations",
                  "Sans données individuelles : agrégats seulement.")
    return committee


def _user(session: Session, username: str) -> User:
    return session.scalars(select(User).where(User.username == username)).one()


def _all_agree(session: Session, proposal: Proposal, seats: list[CommitteeMember]) -> None:
    for seat in seats:
        record_stance(session, proposal, seat, "agree")


def _meeting(session: Session, committee: Committee, seats: list[CommitteeMember]) -> None:
    held_on = clock.today() - timedelta(days=7)
    meeting = schedule_meeting(session, committee, seats[2], held_on=held_on,
                               agenda="1. Suivi du projet bains\n2. Temps de référence")
    decisions = list(session.scalars(select(Decision.id).where(
        Decision.committee_id == committee.id)))
    write_minutes(session, meeting, seats[2],
                  text="Le comité a adopté par consensus les décisions listées ci-dessous.",
                  present=[s.id for s in seats], decision_ids=decisions)
    approve_minutes(session, meeting, seats[0])
    approve_minutes(session, meeting, seats[2])


def _plan_current_week(session: Session, teams: list[Team]) -> None:
    today = clock.today()
    monday = today - timedelta(days=today.weekday())
    for team in teams:
        model = load_duration_model(session, team.establishment_id, today)
        generate_week(session, team, monday + timedelta(days=7 if today.weekday() > 4 else 0),
                      model)

