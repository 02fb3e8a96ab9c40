"""The published HTTP contract: the operations, their parameters and the names of their bodies' schemas.

Clients are generated from ``/openapi.json``, so moving an endpoint or a body between modules must not
change what they see. ``tests/fixtures/openapi_contract.json`` was written from the document before the
API was split into one router per capability; regenerate it only for a deliberate change of the API.
Regenerated deliberately for issue 10 (authentication): every operation but ``GET /health`` now also
documents its ``401`` and ``403``, and the admin's ``POST /keys`` and ``POST /keys/{name}/revocation`` (with
their bodies and the ``Role`` enum) are new; nothing else changed.
Issue 11 added ``GET /supply-points`` and ``GET /supply-points/{scheme}/{supply_point_id}`` (the supply-point
list and one point's holders).
Regenerated for issue 11 items 3-4 (deposits): ``POST /contracts/{contract_id}/deposit/settlement`` (body
``SettleDepositIn``) and ``GET /accounts/{account_id}/deposits`` (``DepositsOut``, ``DepositOut``) are new, so
finance can settle a deposit and the staff and the account's portal can read its deposits.
Regenerated for issue 11 (updates as events): ``POST /partners/{partner_id}/details``, ``POST
/contracts/{contract_id}/tariff``, ``.../billing-frequency``, ``.../vat-rate`` and ``POST
/accounts/{account_id}/payment-method`` are new, and ``GET /partners/{partner_id}`` answers ``PartnerDetail``
(the listed fields plus address and contact, a superset of ``PartnerItem``) so a changed address can be read.
Regenerated for issue 11 item 1 (find and read everything): the dunning history (``GET /dunning/history``,
``GET /accounts/{account_id}/dunning/history``) and the reading review list with its acceptance and
rejection are new; ``GET /search`` and ``GET /contracts/{contract_id}/readings`` take ``format`` (CSV),
and ``GET /contracts/{contract_id}/load-curve`` reads a range of months (``from``, ``to``; ``month`` is
now optional; ``format`` for CSV), so its body names ``from_month`` and ``to_month`` too.
Regenerated for issue 11 (companies' books): ``GET /trial-balance`` (per company) is new, ``GET /journal``
and ``GET /reports/aged-receivables`` take ``company`` (one company's books) and ``/journal`` documents the
409 of a line its company's GL mapping lacks, because a company's books must never be mixed with another's
(in the bodies, not compared here: ``POST /dunning/runs`` takes ``company``, and ``POST /accounts``'s
``payment_terms_days`` defaults to the company's terms instead of 20).
Issue 12 (contention): every POST documents its ``503`` with ``Retry-After``, the answer a command gets when
other writers kept changing the same records past its time limit (nothing written; send it again).
Issue 13 item 3 (letters): ``GET /accounts/{account_id}/letters/{kind}/{source_id}.pdf`` is new, the PDF of a
letter or notice an account's event caused (dunning step, plan, pre-notification, return, holder change);
its ``{kind}`` is the new ``LetterSource`` enum.
Regenerated for issue 13 item 2 (e-invoices): ``GET /invoices/{invoice_number}/e-invoice`` (optional
``format``) is new, answering the document's FatturaPA, Facturae, Finvoice or UBL XML, with its 404 and 422
documented.
Issue 13 item 6 (delivery): ``POST /deliveries`` (queue documents on a channel), ``POST /deliveries/runs``
(the send run) and ``GET /deliveries`` (the outbox, by channel and ``DeliveryStatus``) are new, so finance can
send the documents it issued by e-mail, e-invoice or print and the staff can see what went out.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from api.bootstrap import build
from api.http import create_app

CONTRACT = Path(__file__).parent / "fixtures" / "openapi_contract.json"


def contract(document: dict[str, Any]) -> dict[str, Any]:
    """Per operation its parameters and the schemas it refers to; plus every schema name."""
    def refs(node: Any) -> list[str]:
        if isinstance(node, dict):
            own = [node["$ref"].rsplit("/", 1)[-1]] if "$ref" in node else []
            return own + [r for value in node.values() for r in refs(value)]
        if isinstance(node, list):
            return [r for value in node for r in refs(value)]
        return []

    operations = {
        f"{method.upper()} {path}": {
            "parameters": sorted(f"{p['in']}:{p['name']}{'' if p.get('required') else '?'}"
                                 for p in operation.get("parameters", [])),
            "request": sorted(set(refs(operation.get("requestBody", {})))),
            "responses": {status: sorted(set(refs(response)))
                          for status, response in operation["responses"].items()},
        }
        for path, item in document["paths"].items() for method, operation in item.items()
    }
    return {"operations": dict(sorted(operations.items())),
            "schemas": sorted(document["components"]["schemas"])}


def test_the_openapi_document_keeps_its_operations_and_schema_names(tmp_path: Path) -> None:
    svc = build(f"sqlite:///{tmp_path}/saldo.sqlite")
    try:
        document = create_app(svc).openapi()
    finally:
        svc.close()
    assert contract(document) == json.loads(CONTRACT.read_text(encoding="utf-8"))


#: Schemas FastAPI had to name by module because two request bodies share a class name (kept: clients know
#: them by these names since before the contract was frozen).
MANGLED_SINCE_THE_START = {"api__billing_http__RunIn", "api__dd_http__RunIn", "api__dunning_http__RunIn"}


def test_no_new_schema_is_renamed_after_its_module(tmp_path: Path) -> None:
    """Two models of one name make FastAPI rename BOTH after their modules, silently changing the name an
    existing client knows (a second ``SupplyPointOut`` did): a new model must take a name of its own."""
    svc = build(f"sqlite:///{tmp_path}/saldo.sqlite")
    try:
        names = set(create_app(svc).openapi()["components"]["schemas"])
    finally:
        svc.close()
    assert {n for n in names if "__" in n} == MANGLED_SINCE_THE_START
