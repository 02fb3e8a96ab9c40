"""Command handlers of delivery: queueing a document on a channel, and recording each attempt's outcome."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate

from ledger.accounts.account import ContractAccount
from ledger.accounts.invoice import Invoice, document_id
from ledger.core.errors import InvalidInput
from ledger.core.handling import Capability, Handled, handles
from ledger.delivery import commands as dc
from ledger.delivery.outbox import Delivery, DeliveryStatus, Outbox
from ledger.delivery.transport import DEFAULT_RETRY, Channel
from ledger.documents.renderings import record_rendering
from ledger.parties.company import CompanyConfig, company_of
from ledger.parties.partner import BusinessPartner


def recipient_of(partner: BusinessPartner, channel: Channel, number: str) -> str:
    """Where ``channel`` takes the partner's document; InvalidInput naming what the partner lacks."""
    if channel is Channel.EMAIL:
        if not partner.email:
            raise InvalidInput(f"{partner.name}, the customer of {number}, has no e-mail address: "
                               "add one to the partner, or send the document on another channel", "email")
        return partner.email
    if channel is Channel.EINVOICE:
        tax_id = next(iter(partner.tax_ids), None)
        if tax_id is None:
            raise InvalidInput(f"{partner.name}, the customer of {number}, has no tax id to address an "
                               "e-invoice to", "tax_ids")
        return f"{tax_id.scheme}:{tax_id.value}"
    address = partner.address
    if address is None:
        raise InvalidInput(f"{partner.name}, the customer of {number}, has no postal address to print",
                           "address")
    return f"{address.street}, {address.postcode} {address.town}, {address.country}"


def delivery_dict(delivery: Delivery) -> dict[str, object]:
    status = delivery.status(DEFAULT_RETRY)
    return {"delivery_id": str(delivery.id), "number": delivery.number, "channel": delivery.channel.value,
            "recipient": delivery.recipient, "language": delivery.language, "sha256": delivery.sha256,
            "renderer": delivery.renderer, "status": status.value, "attempts": len(delivery.attempts),
            "last_outcome": delivery.attempts[-1].outcome if delivery.attempts else None,
            "last_reason": delivery.attempts[-1].reason if delivery.attempts else None,
            "sent_at": delivery.sent_at.isoformat() if delivery.sent_at else None,
            "receipt": delivery.receipt}


class DeliveryHandlers(Capability[CompanyConfig]):
    @handles(dc.QueueDelivery)
    def queue(self, cmd: dc.QueueDelivery, rid: UUID) -> Handled:
        invoice = self.get(Invoice, document_id(cmd.number.strip()), "invoice or credit note", "number")
        renderings, recorded = record_rendering(self.ws, invoice.number, cmd.sha256, cmd.byte_length,
                                                cmd.renderer)
        delivery_id = Delivery.id_for(invoice.number, cmd.channel)
        delivery = self.find(Delivery, delivery_id)
        changed: list[Aggregate] = [renderings] if recorded else []
        queued = delivery is None
        if delivery is None:
            account = self.get(ContractAccount, invoice.account_id, "contract account", "account_id")
            partner = self.get(BusinessPartner, account.partner_id, "business partner", "partner_id")
            delivery = Delivery(delivery_id, invoice.number, cmd.channel,
                                recipient_of(partner, cmd.channel, invoice.number), partner.name,
                                partner.language, company_of(self.ws, account).legal_name, cmd.sha256,
                                cmd.renderer)
            outbox = self.find(Outbox, Outbox.id_for(cmd.channel)) or Outbox(Outbox.id_for(cmd.channel),
                                                                            cmd.channel)
            outbox.enter(delivery_id, invoice.number)
            changed += [delivery, outbox]
        return changed, {**delivery_dict(delivery), "queued": queued, "rendering_recorded": recorded}

    @handles(dc.StartAttempt)
    def start(self, cmd: dc.StartAttempt, rid: UUID) -> Handled:
        delivery = self.get(Delivery, cmd.delivery_id, "delivery", "delivery_id")
        renderings, recorded = record_rendering(self.ws, delivery.number, cmd.sha256, cmd.byte_length,
                                                cmd.renderer)
        delivery.start(cmd.attempt, cmd.at, cmd.sha256, DEFAULT_RETRY)
        return [delivery, *([renderings] if recorded else [])], delivery_dict(delivery)

    @handles(dc.RecordAttempt)
    def record(self, cmd: dc.RecordAttempt, rid: UUID) -> Handled:
        delivery = self.get(Delivery, cmd.delivery_id, "delivery", "delivery_id")
        delivery.finish(cmd.attempt, cmd.ok, cmd.reason, cmd.receipt, cmd.at)
        changed: list[Aggregate] = [delivery]
        if delivery.status(DEFAULT_RETRY) in (DeliveryStatus.SENT, DeliveryStatus.GIVEN_UP):
            outbox = self.get(Outbox, Outbox.id_for(delivery.channel), "outbox", "channel")
            outbox.settle(delivery.id)
            changed.append(outbox)
        return changed, delivery_dict(delivery)

    @handles(dc.CloseSendRun)
    def close_run(self, cmd: dc.CloseSendRun, rid: UUID) -> Handled:
        return [], {"channels": list(cmd.channels), "sent": cmd.sent, "failed": cmd.failed,
                    "skipped": cmd.skipped, "at": cmd.at.isoformat()}
