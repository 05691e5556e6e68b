"""Consultant contracts: who was paid, for what, how chosen, and what was promised.

The seed's *livre noir* tells of contracts given without tender, on the promise of a
quick return nobody measured. So a contract here always says how it was procured
(a sole-source contract cannot be saved without its justification), what return was
promised and which indicator will measure it, and whether the committee chose the firm
jointly. Where a weekly fee and a number of weeks are given, their product is shown
beside the total, and a difference is flagged rather than refused: a total may rightly
include licences or expenses, but a member should see that it does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import date
from decimal import Decimal, InvalidOperation

from babel.numbers import format_currency
from sqlalchemy import select
from sqlalchemy.orm import Session

from balise.committee.models import (
    Committee,
    CommitteeEstablishment,
    CommitteeMember,
    Contract,
    Project,
)
from balise.committee.record_errors import RecordError
from balise.core.errors import InvalidInput, NotFound
from balise.core.i18n import current_language
from balise.journal.service import append
from balise.territory.models import Establishment

CENT = Decimal("0.01")
MAX_WEEKS = 520  # ten years: beyond that the figure is a typing mistake


def money(amount: Decimal | None) -> str:
    if amount is None:
        return "—"
    return format_currency(amount, "CAD", locale="fr_CA" if current_language() == "fr"
                           else "en_CA")


def parse_amount(field: str, raw: str) -> Decimal | None:
    """Read an amount as people type it in Quebec: ``27 540,50``, ``27,540.50``,
    ``27540.5 $``. Blank gives None. A lone comma followed by exactly three digits is
    a thousands separator (``27,540``); otherwise a lone comma is the decimal mark."""
    text = re.sub(r"[\s\u00a0\u202f$]", "", raw)
    if not text:
        return None
    if "," in text and "." in text:
        decimal_mark = "," if text.rfind(",") > text.rfind(".") else "."
        grouping = "." if decimal_mark == "," else ","
        text = text.replace(grouping, "").replace(decimal_mark, ".")
    elif "," in text:
        text = (text.replace(",", "") if re.fullmatch(r"\d{1,3}(,\d{3})+", text)
                else text.replace(",", "."))
    if not re.fullmatch(r"-?\d+(\.\d{1,2})?", text):
        raise RecordError(field, "not_an_amount")
    try:
        amount = Decimal(text)
    except InvalidOperation as exc:
        raise RecordError(field, "not_an_amount") from exc
    if amount < 0:
        raise RecordError(field, "negative_amount")
    return amount


def fee_product(weekly_fee: Decimal | None, weeks: int | None) -> Decimal | None:
    if weekly_fee is None or weeks is None:
        return None
    return (weekly_fee * weeks).quantize(CENT)


def fee_difference(total: Decimal, weekly_fee: Decimal | None,
                   weeks: int | None) -> Decimal | None:
    """Total minus fee × weeks when both are known and they differ; None otherwise."""
    product = fee_product(weekly_fee, weeks)
    if product is None or product == total.quantize(CENT):
        return None
    return total.quantize(CENT) - product


@dataclass(frozen=True)
class ContractInput:
    """What a member fills in; validated by :func:`checked` before anything is saved."""

    firm: str
    purpose: str
    procurement: str
    total_amount: Decimal | None
    signed_on: date | None
    justification: str = ""
    weekly_fee: Decimal | None = None
    weeks: int | None = None
    promised_return: str = ""
    indicator: str = ""
    jointly_chosen: bool = False
    establishment_id: int | None = None
    project_id: int | None = None


def covered(session: Session, committee: Committee) -> list[int]:
    """The establishments a committee covers (a local one: its own)."""
    ids = set(session.scalars(select(CommitteeEstablishment.establishment_id).where(
        CommitteeEstablishment.committee_id == committee.id)))
    return sorted(ids | {committee.establishment_id})


def checked(session: Session, committee: Committee, data: ContractInput) -> ContractInput:
    """The input with its defaults filled, or the first field that is wrong."""
    if not data.firm.strip():
        raise InvalidInput("firm", "required")
    if not data.purpose.strip():
        raise InvalidInput("purpose", "required")
    if data.procurement not in ("tender", "sole_source"):
        raise InvalidInput("procurement", "unknown_choice")
    if data.procurement == "sole_source" and not data.justification.strip():
        raise RecordError("justification", "justification_required")
    if data.total_amount is None:
        raise InvalidInput("total_amount", "required")
    for field, amount in (("total_amount", data.total_amount),
                          ("weekly_fee", data.weekly_fee)):
        if amount is not None and amount < 0:
            raise RecordError(field, "negative_amount")
    if data.weeks is not None and not 0 <= data.weeks <= MAX_WEEKS:
        raise InvalidInput("weeks", "out_of_range", low=0, high=MAX_WEEKS)
    if data.signed_on is None:
        raise InvalidInput("signed_on", "required")
    establishment_id = data.establishment_id or committee.establishment_id
    if establishment_id not in covered(session, committee):
        raise RecordError("establishment_id", "establishment_not_covered")
    if data.project_id is not None:
        project = session.get(Project, data.project_id)
        if project is None or project.committee_id != committee.id:
            raise RecordError("project_id", "not_of_committee")
    return ContractInput(**{
        **{f.name: getattr(data, f.name) for f in fields(data)},
        "firm": data.firm.strip(), "purpose": data.purpose.strip(),
        "justification": data.justification.strip(), "establishment_id": establishment_id,
    })


def _apply(contract: Contract, data: ContractInput) -> list[str]:
    """Copy the input onto the contract; the names of the fields that changed."""
    changed = []
    for f in fields(data):
        value = getattr(data, f.name)
        if getattr(contract, f.name, None) != value:
            setattr(contract, f.name, value)
            changed.append(f.name)
    return changed


def register_contract(session: Session, committee: Committee, member: CommitteeMember,
                      data: ContractInput) -> Contract:
    if member.committee_id != committee.id or not member.active:
        raise NotFound()
    data = checked(session, committee, data)
    contract = Contract(committee_id=committee.id)
    _apply(contract, data)
    session.add(contract)
    session.flush()
    append(session, action="committee.contract.created", subject=f"contract:{contract.id}",
           payload={"procurement": contract.procurement, "total": str(contract.total_amount),
                    "establishment": contract.establishment_id},
           actor_user_id=member.user_id, establishment_id=committee.establishment_id)
    return contract


def change_contract(session: Session, contract: Contract, member: CommitteeMember,
                    data: ContractInput) -> Contract:
    """Correct or complete a contract; the journal keeps which fields changed."""
    committee = session.get_one(Committee, contract.committee_id)
    if member.committee_id != committee.id or not member.active:
        raise NotFound()
    changed = _apply(contract, checked(session, committee, data))
    if changed:
        session.flush()
        append(session, action="committee.contract.changed", subject=f"contract:{contract.id}",
               payload={"fields": changed, "total": str(contract.total_amount)},
               actor_user_id=member.user_id, establishment_id=committee.establishment_id)
    return contract


@dataclass(frozen=True)
class ContractLine:
    """A contract as the pages show it, with its fee check."""

    contract: Contract
    establishment: str

    @property
    def product(self) -> Decimal | None:
        return fee_product(self.contract.weekly_fee, self.contract.weeks)

    @property
    def difference(self) -> Decimal | None:
        c = self.contract
        return fee_difference(c.total_amount, c.weekly_fee, c.weeks)

    @property
    def total_text(self) -> str:
        return money(self.contract.total_amount)

    @property
    def fee_text(self) -> str:
        return money(self.contract.weekly_fee)

    @property
    def product_text(self) -> str:
        return money(self.product)

    @property
    def difference_text(self) -> str:
        return money(self.difference)


def contracts(session: Session, *, committee: Committee | None = None,
              establishment_ids: Sequence[int] | None = None) -> list[ContractLine]:
    """One committee's contracts, or every contract of some establishments."""
    query = (select(Contract, Establishment.name)
             .join(Establishment, Establishment.id == Contract.establishment_id)
             .order_by(Contract.signed_on.desc(), Contract.id.desc()))
    if committee is not None:
        query = query.where(Contract.committee_id == committee.id)
    if establishment_ids is not None:
        query = query.where(Contract.establishment_id.in_(list(establishment_ids)))
    return [ContractLine(contract, name) for contract, name in session.execute(query)]


@dataclass(frozen=True)
class SummaryRow:
    establishment_id: int | None  # None: the row of all establishments together
    name: str
    count: int
    total: Decimal
    sole_source_count: int
    sole_source_total: Decimal

    @property
    def total_text(self) -> str:
        return money(self.total)

    @property
    def sole_source_total_text(self) -> str:
        return money(self.sole_source_total)


def contract_summary(session: Session, establishment_ids: Iterable[int]) -> list[SummaryRow]:
    """Per establishment: how many contracts, for how much, and how much without tender.

    Every establishment asked for gets a row, even with no contract: for a national
    committee an empty row is information too. Sums are made in Python on exact
    decimals, the same on both engines.
    """
    ids = sorted(set(establishment_ids))
    names = dict(session.execute(select(Establishment.id, Establishment.name)
                                 .where(Establishment.id.in_(ids))).all())
    count = dict.fromkeys(names, 0)
    total = {i: Decimal(0) for i in names}
    sole_count = dict.fromkeys(names, 0)
    sole_total = {i: Decimal(0) for i in names}
    rows = session.execute(select(Contract.establishment_id, Contract.procurement,
                                  Contract.total_amount)
                           .where(Contract.establishment_id.in_(ids)))
    for establishment_id, procurement, amount in rows:
        count[establishment_id] += 1
        total[establishment_id] += amount
        if procurement == "sole_source":
            sole_count[establishment_id] += 1
            sole_total[establishment_id] += amount
    return [SummaryRow(i, names[i], count[i], total[i], sole_count[i], sole_total[i])
            for i in sorted(names, key=lambda i: names[i])]


def summary_total(rows: Sequence[SummaryRow], name: str) -> SummaryRow:
    return SummaryRow(None, name, sum(r.count for r in rows),
                      sum((r.total for r in rows), Decimal(0)),
                      sum(r.sole_source_count for r in rows),
                      sum((r.sole_source_total for r in rows), Decimal(0)))
