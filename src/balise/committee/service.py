"""What committee members do: one function per action, each journaling itself."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from balise.accounts.models import User
from balise.committee.consensus import Outcome, check_stance
from balise.committee.models import (
    PHASES,
    Committee,
    CommitteeEstablishment,
    CommitteeMember,
    Decision,
    Project,
    Proposal,
    ProposalVersion,
    Stance,
)
from balise.committee.queries import count_of
from balise.core import clock
from balise.core.errors import BaliseError, InvalidInput
from balise.grid import collection
from balise.grid.models import Act, ReferenceTime
from balise.indicators.sets import adopt_indicator_set, checked_indicator_set
from balise.journal.service import append
from balise.territory.models import Team

PHASE_ORDER = list(PHASES)


def _journal(session: Session, committee: Committee, action: str, subject: str,
             actor: int | None, **payload: object) -> None:
    append(session, action=action, subject=subject, payload=payload, actor_user_id=actor,
           establishment_id=committee.establishment_id)


def create_committee(
    session: Session, *, kind: str, name: str, establishment_id: int, mandate: str = "",
    covered: Sequence[int] = (), actor: int | None = None,
) -> Committee:
    if kind not in ("local", "national"):
        raise InvalidInput("kind", "unknown_choice")
    if not name.strip():
        raise InvalidInput("name", "required")
    committee = Committee(kind=kind, name=name.strip(), mandate=mandate,
                          establishment_id=establishment_id, created_at=clock.now())
    committee.establishments = [CommitteeEstablishment(establishment_id=e)
                                for e in {establishment_id, *covered}]
    session.add(committee)
    session.flush()
    _journal(session, committee, "committee.created", f"committee:{committee.id}", actor,
             kind=kind)
    return committee


def add_member(
    session: Session, committee: Committee, user: User, *, side: str, voting: bool = True,
    substitute_for: CommitteeMember | None = None, actor: int | None = None,
) -> CommitteeMember:
    if side not in ("employer", "union"):
        raise InvalidInput("side", "unknown_choice")
    if substitute_for is not None and (substitute_for.side != side or voting):
        # A substitute replaces a seat of their own side and holds no seat of their own.
        raise InvalidInput("substitute_for", "unknown_choice")
    member = CommitteeMember(committee_id=committee.id, user_id=user.id, side=side,
                             voting=voting,
                             substitute_for_id=substitute_for.id if substitute_for else None)
    session.add(member)
    session.flush()
    session.refresh(committee, ["members"])
    _journal(session, committee, "committee.member.added", f"member:{member.id}", actor,
             side=side, voting=voting)
    return member


def create_project(
    session: Session, committee: Committee, *, title: str, objectives: str,
    team_ids: Sequence[int] = (), actor: int | None = None,
) -> Project:
    if not title.strip():
        raise InvalidInput("title", "required")
    project = Project(committee_id=committee.id, title=title.strip(), objectives=objectives,
                      team_ids=list(team_ids), phase=PHASE_ORDER[0], created_at=clock.now())
    session.add(project)
    session.flush()
    _journal(session, committee, "committee.project.created", f"project:{project.id}", actor)
    return project


def file_proposal(
    session: Session, committee: Committee, member: CommitteeMember, *, title: str,
    text: str, rationale: str = "", kind: str = "general", effect: dict[str, object] | None = None,
    project: Project | None = None, deadline: date | None = None,
) -> Proposal:
    if not title.strip():
        raise InvalidInput("title", "required")
    if not text.strip():
        raise InvalidInput("text", "required")
    effect = _checked_effect(session, committee, kind, effect or {}, project)
    now = clock.now()
    proposal = Proposal(committee_id=committee.id, project_id=project.id if project else None,
                        kind=kind, effect=effect, deadline=deadline, filed_by=member.user_id,
                        filed_at=now)
    proposal.versions = [ProposalVersion(number=1, title=title.strip(), text=text,
                                         rationale=rationale, written_by=member.user_id,
                                         written_at=now)]
    session.add(proposal)
    session.flush()
    _journal(session, committee, "committee.proposal.filed", f"proposal:{proposal.id}",
             member.user_id, kind=kind)
    return proposal


def _checked_effect(session: Session, committee: Committee, kind: str,
                    effect: dict[str, object], project: Project | None) -> dict[str, object]:
    """What adopting the proposal will change, checked now so adoption cannot fail."""
    if kind == "general":
        return {}
    if kind == "phase":
        if project is None:
            raise InvalidInput("project", "required")
        position = PHASE_ORDER.index(project.phase)
        if position + 1 >= len(PHASE_ORDER):
            raise InvalidInput("project", "out_of_range", low=PHASE_ORDER[0],
                               high=PHASE_ORDER[-1])
        return {"to_phase": PHASE_ORDER[position + 1]}
    if kind == "reference_time":
        act = session.scalar(select(Act).where(Act.code == str(effect.get("act_code", ""))))
        if act is None:
            raise InvalidInput("act_code", "unknown_choice")
        minutes = effect.get("minutes")
        if not isinstance(minutes, int) or not 1 <= minutes <= 600:
            raise InvalidInput("minutes", "out_of_range", low=1, high=600)
        valid_from = str(effect.get("valid_from") or "")
        try:
            date.fromisoformat(valid_from)
        except ValueError as exc:
            raise InvalidInput("valid_from", "not_a_date") from exc
        return {"act_code": act.code, "minutes": minutes, "valid_from": valid_from}
    if kind == "collection_setting":
        return _checked_setting(session, committee, effect)
    if kind == "indicator_set":
        return checked_indicator_set(session, committee, effect, project)
    raise InvalidInput("kind", "unknown_choice")


def _checked_setting(session: Session, committee: Committee,
                     effect: dict[str, object]) -> dict[str, object]:
    key = str(effect.get("key", ""))
    if key not in collection.KINDS:
        raise InvalidInput("key", "unknown_choice")
    team_id = effect.get("team_id")
    if team_id is not None:
        team = session.get(Team, team_id)
        if team is None or team.establishment_id != committee.establishment_id:
            raise InvalidInput("team_id", "unknown_choice")
    return {"key": key, "enabled": bool(effect.get("enabled")), "team_id": team_id}


def amend_proposal(
    session: Session, proposal: Proposal, member: CommitteeMember, *, title: str, text: str,
    rationale: str = "",
) -> Proposal:
    """A new version; stances taken on earlier versions no longer count."""
    _require_open(proposal)
    if not text.strip():
        raise InvalidInput("text", "required")
    proposal.version += 1
    proposal.versions.append(ProposalVersion(
        number=proposal.version, title=title.strip() or proposal.current.title, text=text,
        rationale=rationale, written_by=member.user_id, written_at=clock.now()))
    session.flush()
    committee = session.get_one(Committee, proposal.committee_id)
    _journal(session, committee, "committee.proposal.amended", f"proposal:{proposal.id}",
             member.user_id, version=proposal.version)
    return proposal


def record_stance(
    session: Session, proposal: Proposal, member: CommitteeMember, kind: str, reason: str = "",
) -> Decision | None:
    """Take a stance on the current version; adopt the proposal if consensus is reached."""
    _require_open(proposal)
    if not (member.voting or member.substitute_for_id):
        raise BaliseError("forbidden")
    check_stance(kind, reason)
    proposal.stances.append(Stance(proposal_id=proposal.id, version=proposal.version,
                                   member_id=member.id, kind=kind, reason=reason.strip(),
                                   at=clock.now()))
    session.flush()
    committee = session.get_one(Committee, proposal.committee_id)
    _journal(session, committee, "committee.stance.recorded", f"proposal:{proposal.id}",
             member.user_id, side=member.side, kind=kind, version=proposal.version)
    if count_of(committee, proposal).outcome == Outcome.ADOPTED:
        return adopt_proposal(session, committee, proposal)
    return None


def _require_open(proposal: Proposal) -> None:
    if proposal.status != "open":
        raise BaliseError("proposal_closed")


def adopt_proposal(session: Session, committee: Committee, proposal: Proposal) -> Decision:
    """The proposal becomes a numbered, dated decision and its effect applies."""
    today = clock.today()
    proposal.status = "adopted"
    decision = Decision(committee_id=committee.id, proposal_id=proposal.id,
                        project_id=proposal.project_id,
                        number=_next_number(session, committee, today.year),
                        adopted_on=today, title=proposal.current.title,
                        text=proposal.current.text)
    session.add(decision)
    session.flush()
    _journal(session, committee, "committee.proposal.adopted", f"proposal:{proposal.id}",
             None, decision=decision.number)
    _apply_effect(session, committee, proposal, decision)
    return decision


def _next_number(session: Session, committee: Committee, year: int) -> str:
    prefix = f"{year}-"
    existing = session.scalar(
        select(func.count()).where(Decision.committee_id == committee.id,
                                   Decision.number.like(f"{prefix}%"))
    ) or 0
    return f"{prefix}{existing + 1:03d}"


def _apply_effect(session: Session, committee: Committee, proposal: Proposal,
                  decision: Decision) -> None:
    effect = proposal.effect
    if proposal.kind == "phase" and proposal.project_id is not None:
        project = session.get_one(Project, proposal.project_id)
        project.phase = str(effect["to_phase"])
        _journal(session, committee, "committee.project.phase_changed",
                 f"project:{project.id}", None, phase=project.phase, decision=decision.number)
    elif proposal.kind == "reference_time":
        act = session.scalars(select(Act).where(Act.code == effect["act_code"])).one()
        minutes = int(str(effect["minutes"]))
        valid_from = date.fromisoformat(str(effect["valid_from"]))
        session.add(ReferenceTime(act_id=act.id, minutes=minutes, valid_from=valid_from,
                                  adopted_by=committee.name, decision_ref=decision.number,
                                  decision_id=decision.id))
        session.flush()
        _journal(session, committee, "grid.reference_time.changed", f"act:{act.code}", None,
                 act=act.code, minutes=minutes, valid_from=valid_from.isoformat(),
                 decision=decision.number)
    elif proposal.kind == "collection_setting":
        team_id = effect.get("team_id")
        old, new = collection.change(
            session, establishment_id=committee.establishment_id,
            team_id=int(str(team_id)) if team_id is not None else None,
            key=str(effect["key"]), enabled=bool(effect["enabled"]),
            decision_id=decision.id, decision_ref=decision.number)
        _journal(session, committee, "settings.collection.changed",
                 f"team:{team_id}" if team_id is not None else
                 f"establishment:{committee.establishment_id}", None,
                 key=str(effect["key"]), old=old, new=new, decision=decision.number)
    elif proposal.kind == "indicator_set" and proposal.project_id is not None:
        adopt_indicator_set(session, committee, proposal.project_id, effect, decision)
