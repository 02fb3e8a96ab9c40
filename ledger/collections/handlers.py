"""Command handlers of direct debit: mandates, collection runs, settlements and returns."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any
from uuid import UUID

from ledger.accounts.account import ContractAccount
from ledger.collections import change_iban, decide_return, revoke, validate_mandate
from ledger.collections import commands as d
from ledger.collections.review import ReturnReview
from ledger.collections.run import MAX_RUN_COLLECTIONS, BookedCollection, CollectionRun, ProposedCollection
from ledger.core.errors import Conflict, InvalidInput
from ledger.core.handling import Capability, Handled, Result, handles
from ledger.core.ids import child_id
from ledger.core.money import ZERO
from ledger.parties.company import CompanyConfig, company_of, run_company
from ledger.parties.partner import BusinessPartner

#: The time of day a run's file is stamped with: the clock gives dates, files need a creation time.
FILE_TIME = time(6, 0, tzinfo=UTC)


class DirectDebitHandlers(Capability[CompanyConfig]):

    def _account(self, account_id: UUID) -> ContractAccount:
        account: ContractAccount = self.get(ContractAccount, account_id, "contract account", "account_id")
        return account

    @handles(d.RegisterMandate)
    def register_mandate(self, cmd: d.RegisterMandate, rid: UUID) -> Handled:
        account = self._account(cmd.account_id)
        if account.mandate is not None and account.mandate.status.value == "active":
            raise Conflict("the account already has an active mandate; revoke it first", "reference")
        mandate = validate_mandate(cmd.reference, cmd.scheme, cmd.signed_on, cmd.debtor_name, cmd.debtor_iban,
                                   cmd.debtor_bic)
        if mandate.signed_on > self.today():
            raise InvalidInput("the mandate's signature date is in the future", "signed_on")
        account.set_mandate(mandate, "registered")
        return [account], {"account_id": str(account.id), "mandate": mandate.reference}

    @handles(d.ChangePaymentMethod)
    def change_payment_method(self, cmd: d.ChangePaymentMethod, rid: UUID) -> Handled:
        account = self._account(cmd.account_id)
        changed = account.change_payment_method(cmd.payment_method, self.today())
        return ([account] if changed else []), {"account_id": str(account.id), "changed": changed,
                                                "payment_method": account.payment_method.value}

    @handles(d.ChangeMandateIban)
    def change_mandate_iban(self, cmd: d.ChangeMandateIban, rid: UUID) -> Handled:
        account = self._account(cmd.account_id)
        if account.mandate is None or account.mandate.status.value != "active":
            raise Conflict("the account has no active mandate", "account_id")
        mandate = change_iban(account.mandate, cmd.new_iban, cmd.new_bic)
        account.set_mandate(mandate, "IBAN changed")
        return [account], {"account_id": str(account.id), "debtor_iban": mandate.debtor_iban,
                           "amendment": mandate.pending_amendment is not None}

    @handles(d.RevokeMandate)
    def revoke_mandate(self, cmd: d.RevokeMandate, rid: UUID) -> Handled:
        account = self._account(cmd.account_id)
        if account.mandate is None or account.mandate.status.value != "active":
            raise Conflict("the account has no active mandate", "account_id")
        account.set_mandate(revoke(account.mandate), cmd.reason or "revoked")
        return [account], {"account_id": str(account.id), "revoked": True}

    @handles(d.ProposeCollectionRun)
    def propose_collection_run(self, cmd: d.ProposeCollectionRun, rid: UUID) -> Handled:
        if cmd.collection_date < cmd.due_by and cmd.collection_date < self.today():
            raise InvalidInput("the collection date is in the past", "collection_date")
        run_id = child_id(rid, "collection-run")
        company = run_company(self.ws, cmd.company)
        accounts = sorted(set(cmd.candidate_account_ids))
        self.prefetch(accounts)
        proposals: list[ProposedCollection] = []
        for account_id in accounts:
            account = self.find(ContractAccount, account_id)
            # One creditor per file (issue 11): another company's account is never in this company's run.
            if account is None or company_of(self.ws, account).code != company.code:
                continue
            items = account.collectable_items(cmd.due_by)
            if not items:
                continue
            if len(proposals) >= MAX_RUN_COLLECTIONS:
                raise InvalidInput(f"a run may hold at most {MAX_RUN_COLLECTIONS} collections", "due_by")
            # Ours, ≤ 35 characters of the SEPA set, unique: the key returns are matched on.
            e2e = f"DD{run_id.hex[:10].upper()}{len(proposals) + 1:07d}"
            proposals.append(ProposedCollection(account.id, e2e, tuple(i.item_id for i in items),
                                                tuple(i.document_number for i in items),
                                                sum((i.open_amount for i in items), ZERO),
                                                account.next_sequence_type()))
        run = CollectionRun(run_id, cmd.due_by, cmd.collection_date, tuple(proposals), company.code)
        return [run], {"run_id": str(run.id), "company": company.code, "collections": len(proposals),
                       "amount": str(sum((p.amount for p in proposals), ZERO))}

    @handles(d.DiscardCollectionRun)
    def discard_collection_run(self, cmd: d.DiscardCollectionRun, rid: UUID) -> Handled:
        run: CollectionRun = self.get(CollectionRun, cmd.run_id, "collection run", "run_id")
        run.discard(cmd.reason)
        return [run], {"run_id": str(run.id), "status": run.status}

    @handles(d.ExecuteCollectionRun)
    def execute_collection_run(self, cmd: d.ExecuteCollectionRun, rid: UUID) -> Handled:
        run: CollectionRun = self.get(CollectionRun, cmd.run_id, "collection run", "run_id")
        if run.status != "proposed":
            raise Conflict(f"collection run {run.id} is {run.status}", "run_id")
        self.prefetch([p.account_id for p in run.proposals])
        changed: dict[UUID, Any] = {}
        booked: list[BookedCollection] = []
        skipped: list[str] = []
        for proposal in run.proposals:
            account = self.get(ContractAccount, proposal.account_id, "contract account", "account_id")
            collectable = {i.item_id for i in account.collectable_items(run.due_by)}
            item_ids = tuple(i for i in proposal.item_ids if i in collectable)
            partner = self.find(BusinessPartner, account.partner_id)
            address = partner.address if partner is not None else None
            if not item_ids or account.mandate is None or address is None:
                skipped.append(f"{proposal.end_to_end_id}: " + (
                    "nothing left to collect" if not item_ids else
                    "no usable mandate" if account.mandate is None else "debtor has no postal address"))
                continue
            mandate = account.mandate
            collection = account.book_collection(proposal.end_to_end_id, str(run.id), run.collection_date,
                                                 item_ids)
            paid = [account.items[a.item_id] for a in collection.allocations]
            references = [i.payment_reference or i.document_number for i in paid]
            booked.append(BookedCollection(
                account.id, collection.end_to_end_id, collection.amount, collection.sequence_type,
                mandate.reference, mandate.signed_on, mandate.debtor_name, mandate.debtor_iban,
                mandate.debtor_bic, address.town, address.country, address.street or None,
                address.postcode or None, " ".join(references)[:140], mandate.pending_amendment))
            changed[account.id] = account
        executed_at = datetime.combine(self.today(), FILE_TIME)
        run.execute(executed_at, tuple(booked), tuple(skipped))
        return [run, *changed.values()], {
            "run_id": str(run.id), "collections": len(booked), "skipped": len(skipped),
            "amount": str(sum((b.amount for b in booked), ZERO))}

    @handles(d.SettleCollection)
    def settle_collection(self, cmd: d.SettleCollection, rid: UUID) -> Handled:
        account = self._account(cmd.account_id)
        # The money arrives on the collection account of the company that collected it (issue 11).
        bank_account = company_of(self.ws, account).bank_account
        account.settle_collection(cmd.end_to_end_id, cmd.settled_on, bank_account, self.today())
        return [account], {"end_to_end_id": cmd.end_to_end_id, "settled": True}

    @handles(d.ReturnCollection)
    def return_collection(self, cmd: d.ReturnCollection, rid: UUID) -> Handled:
        account = self._account(cmd.account_id)
        return [account], self._return(account, cmd.end_to_end_id, cmd.reason_code, cmd.returned_on)

    def _return(self, account: ContractAccount, end_to_end_id: str, reason_code: str,
                returned_on: date) -> Result:
        collection = account.collections.get(end_to_end_id)
        if collection is None:
            raise InvalidInput(f"collection {end_to_end_id} is not on this account", "end_to_end_id")
        attempts = max(account.dd_attempts.get(a.item_id, 1) for a in collection.allocations)
        company = company_of(self.ws, account)  # its return policy, and the account the money goes back from
        decision = decide_return(company.return_policy, reason_code, attempts,
                                 collection.collection_date, returned_on)
        account.return_collection(end_to_end_id, returned_on, decision, company.bank_account)
        return {"end_to_end_id": end_to_end_id, "reason": decision.reason_code,
                "action": decision.action.value, "retry": decision.retry,
                "fee": str(decision.return_fee + decision.bank_charge),
                "needs_investigation": decision.needs_investigation, "notes": list(decision.notes)}

    # -- returns held for a person ----------------------------------------------------------------------

    @handles(d.HoldReturnForReview)
    def hold_return_for_review(self, cmd: d.HoldReturnForReview, rid: UUID) -> Handled:
        review = ReturnReview.open(child_id(rid, "return-review"), cmd.reported, cmd.problem, cmd.detail,
                                   cmd.candidates)
        return [review], {"review_id": str(review.id), "problem": cmd.problem.value}

    @handles(d.ApplyReviewedReturn)
    def apply_reviewed_return(self, cmd: d.ApplyReviewedReturn, rid: UUID) -> Handled:
        review: ReturnReview = self.get(ReturnReview, cmd.review_id, "return review", "review_id")
        account = self._account(cmd.account_id)
        review.apply_to(account.id, cmd.end_to_end_id, cmd.note, self.today())
        reported = review.reported
        result = self._return(account, cmd.end_to_end_id, reported.reason_code, reported.returned_on)
        return [account, review], {**result, "review_id": str(review.id), "status": review.status}

    @handles(d.DismissReturnReview)
    def dismiss_return_review(self, cmd: d.DismissReturnReview, rid: UUID) -> Handled:
        review: ReturnReview = self.get(ReturnReview, cmd.review_id, "return review", "review_id")
        review.dismiss(cmd.reason, self.today())
        return [review], {"review_id": str(review.id), "status": review.status}
