"""The texts of an invoice's personal messages, translated into the customer's language (domain ``messages``).

The default rules' texts (:data:`ledger.documents.messages.DEFAULT_MESSAGE_RULES`) are marked here with
:func:`~api.i18n.N_` so the catalogue check finds them; ``api/i18n/locale/<lang>/LC_MESSAGES/messages.po``
translates them. A company's own message text without a translation prints as written. The fields come
in machine form from the model and are formatted here per locale (:func:`api.i18n.money`, ``day``):
the model stays free of languages, the page shows "161,40 €" to a Catalan customer.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from api.i18n import N_, day, money, translate
from ledger.documents.messages import ChosenMessage, MessageBox, MessageField

CATALOG = "messages"

#: The box's heading.
TITLE = N_("Messages for you")
#: The default rules' texts, exactly as ledger/documents/messages.py writes them.
DEFAULT_TEXTS = (
    N_("{count} direct debit(s) of your account were returned in the last 12 months: please check "
       "your bank details, or pay by transfer."),
    N_("You have {count} unpaid invoice(s) totalling {amount}. Please pay them to avoid a reminder."),
    N_("Instalment plan {plan}: your next instalment of {amount} is due on {date}."),
    N_("Your meter is read remotely: your hourly consumption (load curve) is available on request."),
)


def field_text(field: MessageField, currency: str, language: str) -> str:
    """A field as the language writes it: money with its currency, a date in the medium form."""
    if field.kind == "money":
        return money(Decimal(field.value), currency, language)
    if field.kind == "date":
        return day(date.fromisoformat(field.value), language)
    return field.value


def message_text(message: ChosenMessage, currency: str, language: str) -> str:
    """One message translated into ``language``, its fields filled."""
    fields = {f.name: field_text(f, currency, language) for f in message.fields}
    return translate(language, CATALOG, message.message, **fields)


def box_texts(box: MessageBox) -> tuple[str, tuple[str, ...]]:
    """(heading, messages) of the box in its language."""
    return (translate(box.language, CATALOG, TITLE),
            tuple(message_text(m, box.currency, box.language) for m in box.messages))
