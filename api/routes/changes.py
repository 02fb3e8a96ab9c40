"""Changes to master data (issue 11): a partner's contact details, a contract's tariff, billing frequency
and VAT rate (each effective from a date), and an account's payment method.

Each is a ``POST`` of a command with an ``Idempotency-Key``, like every write: a command is recorded once,
and sent again under its key it replays. The payment method is the contract account's (its items are what
is paid or collected), so it changes under ``/accounts/{account_id}``.
"""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Response

from api.deps import ActorDep, IdempotencyKey, ServicesDep, parse_decimal, run_command
from api.schemas import changes as s
from ledger.billing import commands as b
from ledger.collections import commands as d
from ledger.parties import commands as pc
from ledger.parties.partner import PostalAddress

router = APIRouter(tags=["master data"])


@router.post("/partners/{partner_id}/details")
def change_partner_details(partner_id: UUID, body: s.PartnerDetailsIn, key: IdempotencyKey, svc: ServicesDep,
                           actor: ActorDep, response: Response) -> s.PartnerDetailsOut:
    """Change the partner's e-mail, language, address or contact; what is left out stays. The portal may
    change its own partner's e-mail, language and address."""
    address = PostalAddress(**body.address.model_dump()) if body.address else None
    cmd = pc.ChangePartnerDetails(partner_id, body.email, body.language, address, body.contact)
    result = run_command(svc, cmd, key, response, actor)
    svc.catalog.catch_up()  # read your writes: the lists and the search show the new details
    return s.PartnerDetailsOut.model_validate(result)


@router.post("/contracts/{contract_id}/tariff")
def change_tariff(contract_id: UUID, body: s.TariffChangeIn, key: IdempotencyKey, svc: ServicesDep,
                  actor: ActorDep, response: Response) -> s.ContractChangeOut:
    """Bill the contract on another tariff from a date later than its current assignment."""
    cmd = b.ChangeContractTariff(contract_id, body.tariff_code, body.effective_from)
    return s.ContractChangeOut.model_validate(run_command(svc, cmd, key, response, actor))


@router.post("/contracts/{contract_id}/billing-frequency")
def change_billing_frequency(contract_id: UUID, body: s.BillingFrequencyChangeIn, key: IdempotencyKey,
                             svc: ServicesDep, actor: ActorDep, response: Response) -> s.ContractChangeOut:
    """Bill the contract this often from the first of a month on."""
    cmd = b.ChangeBillingFrequency(contract_id, body.billing_frequency, body.effective_from)
    return s.ContractChangeOut.model_validate(run_command(svc, cmd, key, response, actor))


@router.post("/contracts/{contract_id}/vat-rate")
def change_vat_rate(contract_id: UUID, body: s.VatRateChangeIn, key: IdempotencyKey, svc: ServicesDep,
                    actor: ActorDep, response: Response) -> s.ContractChangeOut:
    """Bill the contract at its own VAT rate (none: the tariff's) for the periods ending from a date on."""
    rate = None if body.vat_rate is None else parse_decimal(body.vat_rate, "vat_rate")
    cmd = b.ChangeContractVatRate(contract_id, rate, body.effective_from, body.reason)
    return s.ContractChangeOut.model_validate(run_command(svc, cmd, key, response, actor))


@router.post("/accounts/{account_id}/payment-method")
def change_payment_method(account_id: UUID, body: s.PaymentMethodIn, key: IdempotencyKey, svc: ServicesDep,
                          actor: ActorDep, response: Response) -> s.PaymentMethodOut:
    """Pay the account's items by bank transfer, or collect them by direct debit (needs an active mandate)."""
    cmd = d.ChangePaymentMethod(account_id, body.payment_method)
    return s.PaymentMethodOut.model_validate(run_command(svc, cmd, key, response, actor))
