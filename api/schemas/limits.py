"""The longest text each kind of request field may carry, in characters.

Every free-text field of a request body or query has one of these as its ``max_length`` (so it is in the
OpenAPI document as ``maxLength``, and a longer value is a 422 naming the field); a test walks the document
to keep it so. Where a standard fixes the length it is that standard's: ISO 20022 (the SEPA messages the
values end up in) bounds references at 35, names at 140, a street at 70, a post code at 16 and a town at 35
(``Max35Text``…, https://www.iso20022.org/standardsrepository, PostalAddress24); an IBAN has at most 34
characters (ISO 13616), a BIC 11 (ISO 9362); a mail address 254 (RFC 5321 §4.5.3.1.3, the longest path);
a language tag 35 (RFC 5646 §4.4.1).
"""

from __future__ import annotations

from ledger.accounts.invoice import MAX_NUMBER_LENGTH
from ledger.core.actor import MAX_REASON_LENGTH as ACTOR_REASON_LENGTH

#: A partner's or an account's name (as the portal shows it).
MAX_NAME_LENGTH = 200
#: The name of a payer, a debtor or a refund's payee, as a SEPA message carries it (ISO 20022 Max140Text).
MAX_PARTY_NAME_LENGTH = 140
#: Why something is done (a reversal, a lock, a credit note): what the actor's record keeps.
MAX_REASON_LENGTH = ACTOR_REASON_LENGTH
#: A clerk's or a customer's note.
MAX_NOTE_LENGTH = 500
#: An invoice line's description, as printed.
MAX_DESCRIPTION_LENGTH = 200
#: A reference: an invoice or document number, a payment reference, a mandate reference (ISO 20022
#: Max35Text; the invoice's own limit is the same).
MAX_REFERENCE_LENGTH = max(35, MAX_NUMBER_LENGTH)
#: An IBAN as typed: 34 characters (ISO 13616) and the spaces of its printed groups of four.
MAX_IBAN_LENGTH = 42
#: A BIC (ISO 9362).
MAX_BIC_LENGTH = 11
#: A mail address (RFC 5321).
MAX_EMAIL_LENGTH = 254
#: A language tag (RFC 5646).
MAX_LANGUAGE_LENGTH = 35
#: An ISO 4217 currency code.
MAX_CURRENCY_LENGTH = 3
#: A street and number (ISO 20022 StrtNm).
MAX_STREET_LENGTH = 70
#: A post code (ISO 20022 PstCd).
MAX_POSTCODE_LENGTH = 16
#: A town (ISO 20022 TwnNm).
MAX_TOWN_LENGTH = 35
#: A code Saldo or the market defines: a tariff, a component, a spot index, a dunning procedure, a
#: commodity, a supply-point scheme, a python-stdnum module naming a tax-id scheme.
MAX_CODE_LENGTH = 64
#: An identifier from outside: a supply point (POD, PDR, CUPS, GSRN…), a tax id, a reading id.
MAX_IDENTIFIER_LENGTH = 64
#: A unit of measure ("kWh", "Smc", "EUR/MWh").
MAX_UNIT_LENGTH = 16
#: An IANA time-zone name ("America/Argentina/ComodRivadavia" is among the longest, 32).
MAX_TIME_ZONE_LENGTH = 64
#: A decimal number as text; the patterns bound it already, this says so to clients.
MAX_NUMBER_TEXT_LENGTH = 24
