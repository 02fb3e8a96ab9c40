"""What the letter tests share (issue 13 item 3): customers who speak a given language, the dunning steps
they reach, and the letter's text as read back from its PDF, its spaces normalised (CLDR puts a no-break
space inside amounts and pypdf gives lines back broken where the page wrapped them)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from api.documents import service
from api.routes.dunning import dunning_state
from api.schemas.dunning import StepOut
from ledger.accounts import commands as ac
from ledger.collections import commands as d
from ledger.dunning import commands as dc
from ledger.parties import commands as pc
from ledger.parties.partner import PartnerKind, PostalAddress
from tests.clerk import Clerk
from tests.documents_scenario import text_of
from tests.dunning_flow.helpers import IBAN, do, dun

ADDRESSES = {"it": PostalAddress("Via Roma 1", "98122", "Messina", "IT"),
             "fi": PostalAddress("Mannerheimintie 1 A 5", "00100", "Helsinki", "FI"),
             "sv": PostalAddress("Esplanaden 3", "00130", "Helsingfors", "FI"),
             "es": PostalAddress("Carrer Major 12", "43201", "Reus", "ES")}


def speaker(clerk: Clerk, name: str, language: str, kind: PartnerKind = PartnerKind.PERSON,
            procedure: str | None = None) -> tuple[UUID, UUID]:
    """A partner writing in ``language`` with one account (10 days to pay); (partner id, account id)."""
    partner = UUID(do(clerk, pc.RegisterPartner(name, kind, language=language,
                                                address=ADDRESSES[language]))["partner_id"])
    opened = do(clerk, ac.OpenContractAccount(partner, f"{name} home", payment_terms_days=10))
    account = UUID(opened["account_id"])
    if procedure is not None:
        do(clerk, dc.AssignDunningProcedure(account, procedure=procedure))
    return partner, account


def dd_speaker(clerk: Clerk, name: str, language: str, umr: str) -> tuple[UUID, UUID]:
    partner, account = speaker(clerk, name, language)
    do(clerk, d.RegisterMandate(account, umr, date(2026, 1, 15), name, IBAN))
    return partner, account


def step_on(clerk: Clerk, account: UUID, day: date) -> StepOut:
    """Run the daily dunning on ``day``; the account's step it recorded."""
    clerk.clock.today = day
    assert dun(clerk)["steps"] >= 1
    step = dunning_state(clerk.services, account).steps[-1]
    assert step.sent_on == day
    return step


def flat(text: str) -> str:
    return " ".join(text.replace("\xa0", " ").replace("\u202f", " ").split())


def letter_text(clerk: Clerk, account: UUID, kind: str, source_id: str) -> tuple[str, bytes]:
    """The letter's text (normalised) and its bytes, rendered twice: the same bytes both times."""
    first = service.render_letter(clerk.services.app, account, kind, source_id)
    again = service.render_letter(clerk.services.app, account, kind, source_id)
    assert first.pdf == again.pdf and first.sha256 == again.sha256
    return flat(text_of(first.pdf)), first.pdf
