"""A problem document's title and detail in the client's language (catalogue ``api``, :mod:`api.i18n`).

Problem documents are written in English where the error happens: a domain error's message is an f-string
in the business's words (``contract account 7c1… does not exist``), pydantic writes its own (``Field
required``). Rather than teach every ``raise`` a second form, the most common messages have a **template**
here: the English text with its values as ``{fields}``, which is also the msgid of its translation. A
message is matched against the templates (each field matches what it can hold: an id, a number, one of the
nouns listed below), and the translation is filled with the values found, as they were: ids, amounts,
field names (``lines[2].unit_price``), routes and roles stay as the client sent or the API names them. A
noun the template carries (``contract account``) is translated too.

What is translated: every title; the details of a missing or unknown record, idempotency keys (invalid,
reused, raced), optimistic concurrency, contention (retry later), missing or wrong credentials, a role
that may not use a route, too many failed authentications, a body over its limit, an internal error,
Starlette's own ``Not Found`` and ``Method Not Allowed``, and pydantic's common validation reasons
(missing field, wrong type, out of range, too short or long, extra field, bad JSON). What stays English: any
other detail (a domain rule's own sentence, a bank or readings file's line-by-line reasons, a token
library's words), which is how the client gets it today.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from functools import cache
from typing import Any

from api.i18n import N_, catalogue, language_of

CATALOG = "api"

#: The titles of problem documents (api.problems, api.body_limits, api.incidents), by their English text.
TITLES = (N_("Bad request"), N_("Unauthorized"), N_("Forbidden"), N_("Not found"), N_("Method not allowed"),
          N_("Conflict"), N_("Content too large"), N_("Unsupported media type"), N_("Invalid input"),
          N_("Too many requests"), N_("Internal error"), N_("Service unavailable"), N_("Error"))

#: What a record is called in a message (``Workspace.get``'s ``what``, a principal's ``via``).
NOUNS = (N_("contract account"), N_("contract"), N_("business partner"), N_("partner"), N_("invoice"),
         N_("invoice or credit note"), N_("document"), N_("billing run"), N_("dunning run"),
         N_("write-off run"), N_("collection run"), N_("suspended receipt"), N_("receipt"),
         N_("credit refund"), N_("return review"), N_("tariff"), N_("API key"), N_("token"), N_("key"))

#: Messages with their values as fields, in the words the code writes them.
TEMPLATES = (
    # not found (ledger.application.Workspace.get, ledger.documents.loading)
    N_("{what} {id} does not exist"),
    # idempotency keys (ledger.application)
    N_("idempotency key must be 1..{count} printable characters"),
    N_("idempotency key {key} was already used for a different {command}"),
    N_("{key} is already recorded: another process got there first; try again"),
    # optimistic concurrency and contention (ledger.core)
    N_("{what} is at version {current}, not {expected}: read it again"),
    N_("the records this command changes were changed by others {count} times while it waited {seconds} s; "
       "nothing was written: send it again"),
    # authentication and access (api.auth)
    N_("no credentials: send 'Authorization: Bearer <token>' (from `saldo tokens issue` or the identity "
       "provider) or 'X-API-Key: <key>' (from `saldo keys create`)"),
    N_("send one credential: Authorization or X-API-Key, not both"),
    N_("the API key is unknown or revoked"),
    N_("the bearer token is neither a JWT nor an API key"),
    N_("the token's signature does not verify"),
    N_("the token expired at {time}"),
    N_("a {role} {via} may not use {route} (it is for: {roles})"),
    N_("an {role} {via} may not use {route} (it is for: {roles})"),
    N_("{route} declares no roles (api/access.py), so no one may use it"),
    N_("too many failed authentications from {client}; try again in {seconds} s"),
    # limits and failures (api.body_limits, api.incidents, Starlette)
    N_("the request body is larger than {count} bytes, the limit {limit} of this route"),
    N_("at most {count} bytes ({limit})"),
    N_("an unexpected error; the operators can look it up as incident {incident}"),
    N_("Not Found"),
    N_("Method Not Allowed"),
    # pydantic's reasons (https://docs.pydantic.dev/latest/errors/validation_errors/)
    N_("Field required"),
    N_("Extra inputs are not permitted"),
    N_("JSON decode error"),
    N_("Input should be a valid integer"),
    N_("Input should be a valid integer, unable to parse string as an integer"),
    N_("Input should be a valid number, unable to parse string as a number"),
    N_("Input should be a valid decimal"),
    N_("Input should be a valid string"),
    N_("Input should be a valid boolean, unable to interpret input"),
    N_("Input should be a valid list"),
    N_("Input should be a valid dictionary or object to extract fields from"),
    N_("Input should be a valid UUID, {reason}"),
    N_("Input should be a valid date in the format YYYY-MM-DD, {reason}"),
    N_("Input should be greater than {limit}"),
    N_("Input should be greater than or equal to {limit}"),
    N_("Input should be less than {limit}"),
    N_("Input should be less than or equal to {limit}"),
    N_("String should have at least {count} character"),
    N_("String should have at least {count} characters"),
    N_("String should have at most {count} characters"),
    N_("List should have at most {count} items after validation, not {actual}"),
    N_("List should have at least {count} item after validation, not {actual}"),
    N_("Decimal input should have no more than {count} decimal places"),
    N_("Input should be {expected}"),  # last: it would match every "Input should be ..." above
)

#: What each field of a template may match (any other field: any text, as little as possible).
FIELDS = {
    "what": "|".join(re.escape(n) for n in sorted(NOUNS, key=len, reverse=True)),
    "via": "token|key",
    "id": r"\S+", "key": r"'[^']*'", "count": r"\d+", "actual": r"\d+", "current": r"\d+",
    "expected": r".+", "seconds": r"\d+", "client": r"\S+", "incident": r"[0-9a-f-]+", "limit": r"\S+",
    "role": r"[a-z_-]+", "command": r"\w+",
}
#: The fields whose value is a noun of :data:`NOUNS`, translated with the template.
NOUN_FIELDS = ("what", "via")


@dataclass(frozen=True, slots=True)
class Template:
    msgid: str
    pattern: re.Pattern[str]


@cache
def templates() -> tuple[Template, ...]:
    """The templates as patterns, each field a named group (see :data:`FIELDS`)."""
    compiled = []
    for msgid in TEMPLATES:
        regex = ""
        for literal, name, _, _ in string.Formatter().parse(msgid):
            regex += re.escape(literal)
            if name is not None:
                regex += f"(?P<{name}>{FIELDS.get(name, '.+?')})"
        compiled.append(Template(msgid, re.compile(regex)))
    return tuple(compiled)


def translate_message(text: str, language: str) -> str:
    """``text``, an English message, in ``language`` if a template has it; else ``text`` as it is.

    >>> translate_message("contract account 42 does not exist", "it")
    'Non esiste: conto contrattuale 42'
    >>> translate_message("Input should be greater than 0", "fi")
    'Arvon on oltava suurempi kuin 0'
    >>> translate_message("the refund was asked for by someone else", "sv")
    'the refund was asked for by someone else'
    """
    words = catalogue(language_of(language), CATALOG)
    if not words:
        return text
    if text in words:
        return words[text]
    for template in templates():
        found = template.pattern.fullmatch(text)
        if found is not None and template.msgid in words:
            values = {k: words.get(v, v) if k in NOUN_FIELDS else v for k, v in found.groupdict().items()}
            return words[template.msgid].format(**values)
    return text


def translate_problem(body: dict[str, Any], language: str) -> dict[str, Any]:
    """The problem document ``body`` with its title, detail and reasons in ``language``.

    A detail that lists the reasons of its ``errors`` (``field: reason; field: reason``, a validation
    error) is written again from the translated reasons; field names stay as they are.
    """
    out = dict(body)
    if isinstance(body.get("title"), str):
        out["title"] = translate_message(body["title"], language)
    errors = body.get("errors")
    if isinstance(errors, list) and all(isinstance(e, dict) and isinstance(e.get("reason"), str)
                                        for e in errors):
        listed = "; ".join(f"{e.get('field')}: {e['reason']}" for e in errors)
        out["errors"] = [dict(e, reason=translate_message(e["reason"], language)) for e in errors]
        if body.get("detail") == listed:
            out["detail"] = "; ".join(f"{e.get('field')}: {e['reason']}" for e in out["errors"])
            return out
    if isinstance(body.get("detail"), str):
        out["detail"] = translate_message(body["detail"], language)
    return out
