"""The wording of Saldo's letters, in English: the message ids of the ``letters`` catalogue.

The letters' model (:mod:`ledger.documents.letters`) names these texts and the typed values of their
``{fields}``; the renderer translates them into the customer's language with :func:`api.i18n.translate`
and formats each value as that language writes it (``api/i18n/locale/<language>/LC_MESSAGES/letters.po``).
Why the wording lives in the domain and not next to the renderer: which sentences a letter carries is a
legal decision (a formal notice must state its deadline, an Italian one the suspension that follows), so
it is decided where the events are read; only the language is left to the printer. The domain may not
import ``api``, so :func:`N_` is the same marker as ``api.i18n.N_``, defined here.

Legal sources of the Italian texts (to be read by a lawyer before real letters are sent):

- codice civile art. 1219 (costituzione in mora by written demand),
  https://www.normattiva.it/uri-res/N2Ls?urn:nir:stato:regio.decreto:1942-03-16;262~art1219;
- ARERA TIMOE (Allegato A to deliberazione 258/2015/R/com, as amended), art. 3-5: the notice by registered
  letter or PEC, at least 15 days to pay from sending (10 from the PEC delivery receipt), at least 3
  working days more before the suspension request, power reduced to 15 % for 15 days before suspension
  of a low-voltage supply, https://www.arera.it/atti-e-provvedimenti/dettaglio/15/258-15;
- d.lgs. 231/2002 (late payment in commercial transactions) for business customers only,
  https://www.normattiva.it/uri-res/N2Ls?urn:nir:stato:decreto.legislativo:2002-10-09;231.
"""

from __future__ import annotations

CATALOG = "letters"


def N_(message: str) -> str:  # the gettext convention, as api.i18n.N_ (the domain does not import api)
    return message


# -- every letter ------------------------------------------------------------------------------------------
DEAR = N_("Dear {name},")
REGARDS = N_("Kind regards,")
ACCOUNT = N_("Contract account: {account}")
LETTER_REF = N_("Our reference: {reference}")
DATE = N_("Date: {date}")
AMOUNT_DUE = N_("Amount due: {amount}")
DEADLINE = N_("Pay by: {date}")
PAYMENT_REFERENCE = N_("Payment reference: {reference}")
PAY_TO = N_("Please pay by bank transfer to IBAN {iban}, quoting the payment reference.")
RULE = N_("Rule applied: {rule}")
CAUSE = N_("This letter was issued for: {cause}")
PAGE_OF = N_("page {page} of {pages}")
ALREADY_PAID = N_("If you have paid in the meantime, please disregard this letter.")
COL_DOCUMENT = N_("Document")
COL_DUE = N_("Due date")
COL_REFERENCE = N_("Payment reference")
COL_OPEN = N_("Open amount")
COL_NUMBER = N_("No.")
COL_PRINCIPAL = N_("Principal")
COL_INTEREST = N_("Interest")
COL_AMOUNT = N_("Amount")
ROW_FEE = N_("Dunning fee")
ROW_INTEREST = N_("Late payment interest up to {date}")
ROW_TOTAL = N_("Total")

# -- dunning ----------------------------------------------------------------------------------------------
RULE_DUNNING = N_("dunning procedure {procedure}, level {level} ({name}): {rule}")
CAUSE_DUNNING = N_("dunning step {step} of run {run}")
SUBJECT_REMINDER = N_("Payment reminder")
REMINDER_BODY = N_("According to our records the following amounts on your account are overdue. Please pay "
                   "them as soon as possible.")
SUBJECT_NOTICE = N_("Formal notice to pay")
NOTICE_BODY = N_("Despite our reminder, the following amounts on your account are still unpaid.")
NOTICE_DEMAND = N_("We hereby formally demand that you pay {amount} by {date}, that is within {days} days "
                   "of the date of this letter.")
SUBJECT_IT_NOTICE = N_("Formal notice of default (costituzione in mora)")
IT_NOTICE_DEMAND = N_("With this letter, which is a written demand under article 1219 of the Italian Civil "
                      "Code, we place you in default for the amounts below and ask you to pay {amount} by "
                      "{date}, that is within {days} days of the date this letter is sent.")
IT_NOTICE_SUSPENSION = N_(
    "If the amount is not paid by that date, then, not earlier than {date}, we will ask the distribution "
    "company to suspend the supply at your supply point, as the rules of the Italian energy regulator ARERA "
    "allow (TIMOE, Annex A to resolution 258/2015/R/com).")
IT_NOTICE_REDUCTION = N_("Where your meter allows it, the available power of a low-voltage supply is first "
                         "reduced to 15 % of the contracted power for 15 days; if the amount is still unpaid "
                         "after that, the supply is suspended.")
IT_NOTICE_CHANNEL = N_("This notice is sent by registered letter or by certified e-mail (PEC). To tell us "
                       "you have paid, send us the receipt quoting our reference; the costs of suspension "
                       "and reactivation may be charged to you as your contract provides.")
IT_NOTICE_B2B = N_("As the amounts arise from a commercial transaction, we reserve the right to claim late "
                   "payment interest from the day after the due date at the rate set by Legislative Decree "
                   "231/2002 (articles 4 and 5), and the compensation for recovery costs of its article 6.")
NOTICE_INTEREST = N_("The late payment interest charged up to {date} is {amount}.")
ES_NOTICE_SUSPENSION = N_("If the amount is not paid, the supply may be suspended not earlier than {date}, "
                          "under article 84 of Royal Decree 1955/2000.")
SUBJECT_DISCONNECTION = N_("Disconnection warning")
DISCONNECTION_BODY = N_("The following amounts on your account are still unpaid after our formal notice.")
DISCONNECTION_DATE = N_("Unless {amount} is paid before then, the supply at your supply point may be "
                        "suspended from {date}.")
IT_DISCONNECTION = N_("As the deadline of our formal notice has passed, we are asking the distribution "
                      "company to suspend the supply, as TIMOE (ARERA resolution 258/2015/R/com) allows.")

# -- instalment plans -------------------------------------------------------------------------------------
SUBJECT_PLAN = N_("Your instalment plan {number}")
PLAN_BODY = N_("As agreed on {date}, the documents {documents} are replaced by the {count} instalments "
               "below. Each instalment has its own payment reference.")
PLAN_INTEREST = N_("The instalments carry interest at {rate} % a year on the amount still open.")
PLAN_GRACE = N_("If an instalment is not paid within {days} days of its due date, the plan ends: what is "
                "still open becomes due at once and dunning resumes.")
RULE_PLAN = N_("instalment plan agreement {number} of {date}")
CAUSE_PLAN = N_("instalment plan {number} created")

# -- SEPA direct debit ------------------------------------------------------------------------------------
SUBJECT_PRENOTICE = N_("Advance notice of your direct debit")
PRENOTICE_BODY = N_("On {date} we will collect {amount} from your bank account {iban} by SEPA direct debit, "
                    "under mandate {mandate}. Creditor identifier: {creditor}.")
PRENOTICE_ITEMS = N_("The collection pays the documents below. Please make sure the account holds the amount "
                     "on that day.")
RULE_PRENOTICE = N_("SEPA Direct Debit Core Rulebook: advance notice of each collection (pre-notification), "
                    "at least 14 calendar days before it unless agreed otherwise")
CAUSE_PRENOTICE = N_("collection {collection} of run {run}")
SUBJECT_RETURN = N_("Your direct debit was returned")
RETURN_BODY = N_("The direct debit of {amount} of {date} ({collection}) was returned by your bank on "
                 "{returned}, with reason code {code}. The documents below are open again.")
RETURN_FEE = N_("A return fee of {amount} is charged.")
RETURN_RETRY = N_("We will collect the amount again with the next direct debit.")
RETURN_PAY = N_("Please pay the amount by bank transfer.")
RETURN_NEW_MANDATE = N_("Direct debit has been stopped on your account. To pay by direct debit again, please "
                        "sign a new mandate; until then, please pay by bank transfer.")
RETURN_REFUND = N_("You asked your bank for a refund of the direct debit. The amount is due again; we will "
                   "not collect it again automatically.")
RETURN_CHECK = N_("We are checking the return and will contact you.")
RULE_RETURN = N_("return policy {policy}: reason {code}, {action}")
CAUSE_RETURN = N_("return of collection {collection}")
ACTION_RETRY = N_("collect again at the next run")
ACTION_CONTACT = N_("no new collection, the customer is contacted")
ACTION_SWITCH = N_("direct debit stopped, pay by bank transfer")
ACTION_MANDATE = N_("direct debit stopped, a new mandate is needed")
ACTION_REFUND = N_("refund on request, no new collection")
ACTION_FIX = N_("our data corrected and the collection sent again")
ACTION_INVESTIGATE = N_("to be investigated")

# -- holder change ----------------------------------------------------------------------------------------
SUBJECT_HOLDER = N_("Confirmation of the change of holder")
HOLDER_BODY = N_("We confirm that from {date} the supply at supply point {point} ({commodity}) is in your "
                 "name, under contract {contract} with tariff {tariff}.")
HOLDER_SPLIT = N_("Consumption and invoices from that day are yours; what the previous holder owes for the "
                  "time before stays with the previous holder.")
RULE_HOLDER = N_("change of holder of a supply point (voltura) recorded on {date}")
IT_RULE_HOLDER = N_("change of holder of a supply point (voltura) recorded on {date}, ARERA resolution "
                    "102/2016/R/com")
CAUSE_HOLDER = N_("holder change to contract {contract}")
#: A commodity as a letter names it, by :class:`~ledger.accounts.contract.Commodity` value.
COMMODITIES = {"electricity": N_("electricity"), "gas": N_("gas"), "water": N_("water"),
               "district-heating": N_("district heating")}
