"""The statement upload page and its import report.

The form sends the file (camt.053/054, camt.052, MT940, KTL, CSV, or a ZIP of them) to the same import
as ``POST /bank/statements``, with the same upload limit (:data:`api.body_limits.MAX_STATEMENT_UPLOAD_BYTES`,
declared on the route like the API's), under the key the form was drawn with: sending the form again shows
the same report. The report is a page: entries, booked, to the worklist, duplicates, and each entry
refused or not booked with where in the file it is and why. A file that cannot be read at all (or whose
balances do not add up) is a message on the form's field naming the file, the line and the reason, and
nothing is written.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, UploadFile
from starlette.responses import Response

import api.web.run_pages as rp
from api.body_limits import MAX_STATEMENT_UPLOAD_BYTES, upload_limit
from api.deps import ActorDep, ServicesDep
from api.web.commands import KeyField, command_router
from api.web.forms import FormError, form_key, key_or_new
from api.web.render import page
from ledger.payments.commands import MAX_OVERRIDE_REASON_CHARS

router = APIRouter(include_in_schema=False)
#: The pages' commands (POST): each request's CSRF token is checked before its handler runs.
commands = command_router()

#: The report's sections that list entries, with their headings.
SECTIONS = (("refused", "Refused by the ledger"), ("not_allocated", "Not booked (not a receipt)"),
            ("possible_duplicates", "Possible duplicates (booked, waiting in the worklist)"),
            ("not_reconcilable", "Statements whose balances could not be checked"),
            ("skipped", "Skipped"))


def _form(request: Request, status: int = 200, errors: dict[str, str] | None = None,
          override_reason: str = "") -> Response:
    return page(request, "runs/statement_upload.html", status=status, title="Bank statements",
                errors=errors or {}, key=form_key(), override_reason=override_reason,
                max_bytes=MAX_STATEMENT_UPLOAD_BYTES, max_reason=MAX_OVERRIDE_REASON_CHARS)


@router.get("/ui/statements")
def statement_form(request: Request) -> Response:
    return _form(request)


@commands.post("/ui/statements",
             openapi_extra=upload_limit("MAX_STATEMENT_UPLOAD_BYTES", MAX_STATEMENT_UPLOAD_BYTES))
def statement_upload(request: Request, svc: ServicesDep, actor: ActorDep, file: UploadFile | None = None,
                     key: KeyField = "",
                     override_reason: Annotated[str, Form(max_length=MAX_OVERRIDE_REASON_CHARS)] = ""
                     ) -> Response:
    try:
        report = rp.import_upload(svc, actor, file, key_or_new(key), override_reason)
    except FormError as error:
        return _form(request, 422, {error.field: error.message}, override_reason)
    sections = [(title, rp.report_lines(report, name)) for name, title in SECTIONS]
    return page(request, "runs/statement_report.html", title="Import report", report=report,
                summary=rp.report_summary(report), sections=[s for s in sections if s[1]])
