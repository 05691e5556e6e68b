"""The demo's example contracts, built from the figures the seed document quotes.

The *livre noir* cites the press (Le Devoir, 28 November 2012; La Presse, 12 November
2012 and 6 March 2013): one firm obtained 16 contracts totalling 7.3 M$ in Quebec's
health network since 2010, seven of them without a tender, on the grounds of urgency
and of a promised short-term return on investment; fees reached 27,540 $ a week for up
to 35 weeks; a software was valued at 35,000 $ with 18 % of it due every year.

Only those figures come from the seed. How the 7.3 M$ splits between the other
contracts, their dates and their purposes are illustrative, and every contract says so
in its purpose. The firms are not named: the demo shows what a committee would see, it
does not describe anyone.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from balise.committee.contracts import ContractInput, register_contract
from balise.committee.models import Committee, CommitteeMember, Contract
from balise.core.errors import InvalidInput

NOTE = ("Exemple illustratif : chiffres tirés du document de départ (livre noir, "
        "citant Le Devoir et La Presse, 2012-2013). / Illustrative example: figures "
        "from the seed document.")
FIRM = "Firme privée d'optimisation (exemple)"
SOLE_SOURCE_WHY = ("Urgence invoquée et garantie, offerte par la firme, d'un retour sur "
                   "l'investissement à courte échéance.")
PROMISED = "Retour sur l'investissement à courte échéance, garanti par la firme."

# (total, weekly fee, weeks, sole source, signed on, purpose)
_CONTRACTS: list[tuple[str, str | None, int | None, bool, date, str]] = [
    ("963900", "27540", 35, True, date(2012, 4, 2),
     "Réorganisation des soins à domicile : minutage des interventions"),
    ("35000", None, None, True, date(2012, 11, 5),
     "Licence du logiciel reliant le minutage au serveur central ; 18 % par an "
     "(6 300 $) en frais annuels"),
    ("312000", "26000", 12, True, date(2011, 3, 14), "Soutien aux gestionnaires"),
    ("268500", "17900", 15, True, date(2011, 9, 12), "Implantation d'outils de performance"),
    ("295600", None, None, True, date(2012, 1, 16), "Tableaux de bord de la performance"),
    ("245000", None, None, True, date(2012, 6, 4), "Formation des cadres à la méthode"),
    ("230000", None, None, True, date(2013, 1, 21), "Suivi de la performance en SAD"),
    ("650000", "26000", 25, False, date(2010, 5, 3), "Optimisation des blocs opératoires"),
    ("720000", "24000", 30, False, date(2010, 10, 18), "Optimisation des soins à domicile"),
    ("480000", "20000", 24, False, date(2011, 2, 7), "Réorganisation des services ambulatoires"),
    ("555000", "18500", 30, False, date(2011, 6, 20), "Optimisation des soins infirmiers"),
    ("610000", None, None, False, date(2011, 11, 28), "Révision des processus de soins"),
    ("390000", None, None, False, date(2012, 2, 27), "Gestion des lits"),
    ("275000", None, None, False, date(2012, 8, 13), "Optimisation de la réadaptation"),
    ("820000", None, None, False, date(2012, 10, 1), "Implantation de la méthode Lean"),
    ("450000", None, None, False, date(2013, 2, 4), "Soutien à la gestion de la performance"),
]


def seed_contracts_example(session: Session, committee: Committee,
                           establishment_id: int) -> list[Contract]:
    """Add the seed's 16 example contracts (7.3 M$, seven sole-source) to a committee.

    They are registered like any contract, by a voting member of the committee, so the
    journal holds them too. Indicator empty and firm not chosen jointly: that is how
    the seed describes them, and what the summary page should make visible.
    """
    member = next((m for m in committee.members if m.active and m.voting), None)
    if member is None:
        raise InvalidInput("committee", "required")
    return [_register(session, committee, member, establishment_id, row)
            for row in _CONTRACTS]


def _register(session: Session, committee: Committee, member: CommitteeMember,
              establishment_id: int,
              row: tuple[str, str | None, int | None, bool, date, str]) -> Contract:
    total, fee, weeks, sole_source, signed_on, purpose = row
    software = purpose.startswith("Licence")
    return register_contract(session, committee, member, ContractInput(
        firm="Éditeur de logiciel (exemple)" if software else FIRM,
        purpose=f"{purpose}. {NOTE}",
        procurement="sole_source" if sole_source else "tender",
        justification=SOLE_SOURCE_WHY if sole_source else "",
        total_amount=Decimal(total),
        weekly_fee=Decimal(fee) if fee else None,
        weeks=weeks,
        promised_return=PROMISED,
        indicator="",
        jointly_chosen=False,
        signed_on=signed_on,
        establishment_id=establishment_id,
    ))
