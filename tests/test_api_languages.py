"""Issue 13 item 5: a problem document's title and detail in the language ``Accept-Language`` asks for.

Through the whole application (TestClient): validation errors (missing field, wrong type, out of range,
the field names kept as sent), a record that does not exist, no credentials, a role that may not use a
route, a reused idempotency key, a body over its limit — in Italian, Finnish, Swedish, Spanish and Catalan,
each saying its language in ``Content-Language``; German, which Saldo does not write, gets English. The
q-values decide between languages; a data answer is left as it is. The expected texts are the catalogue's
(``api.po``), checked to be there and not English, so a translation's wording can change without this test.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from api.auth.gate import NO_CREDENTIALS
from api.body_limits import MAX_JSON_BODY_BYTES
from api.bootstrap import Services
from api.i18n import catalogue
from api.problem_texts import CATALOG, TEMPLATES, TITLES, translate_message
from api.problems import _TITLES
from tests.auth import api_client, new_key

LANGUAGES = ("it", "fi", "sv", "es", "ca")


@pytest.fixture
def finance(services: Services) -> Iterator[TestClient]:
    with api_client(services, "finance") as client:
        yield client


def said(msgid: str, language: str, **fields: object) -> str:
    """What the catalogue says for ``msgid`` in ``language``: there, and not the English."""
    text = catalogue(language, CATALOG)[msgid]
    assert text and text != msgid
    return text.format(**fields)


def _problem(response: Response, status: int, language: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["content-language"] == language
    assert "Accept-Language" in response.headers["vary"]
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize("language", LANGUAGES)
def test_validation_errors_name_the_field_as_sent_and_say_why_in_the_language(
        finance: TestClient, language: str) -> None:
    answer = finance.post("/partners", json={"kind": "alien", "tax_ids": [{}] * 11},
                          headers={**new_key(), "Accept-Language": f"{language}-XX, en;q=0.5"})
    body = _problem(answer, 422, language)
    assert body["title"] == said("Invalid input", language)
    reasons = {e["field"]: e["reason"] for e in body["errors"]}
    assert reasons["name"] == said("Field required", language)  # missing
    assert reasons["kind"] == said("Input should be {expected}", language,
                                   expected="'person' or 'organisation'")  # wrong value
    assert reasons["tax_ids"] == said("List should have at most {count} items after validation, not {actual}",
                                      language, count=10, actual=11)  # out of range
    assert body["detail"] == "; ".join(f"{field}: {reason}" for field, reason in reasons.items())


@pytest.mark.parametrize("language", LANGUAGES)
def test_not_found_reused_key_and_too_large_in_the_language(finance: TestClient, language: str) -> None:
    accept = {"Accept-Language": language}
    account = uuid4()
    missing = _problem(finance.get(f"/accounts/{account}/balance", headers=accept), 404, language)
    assert missing["title"] == said("Not found", language)
    assert missing["detail"] == said("{what} {id} does not exist", language,
                                     what=said("contract account", language), id=account)
    key = new_key()
    assert finance.post("/partners", json={"name": "Anna"}, headers={**key, **accept}).status_code == 201
    reused = _problem(finance.post("/partners", json={"name": "Berta"}, headers={**key, **accept}), 409,
                      language)
    assert reused["detail"] == said("idempotency key {key} was already used for a different {command}",
                                    language, key=repr(key["Idempotency-Key"]), command="RegisterPartner")
    huge = finance.post("/partners", content=b"{" + b" " * (3 * 1024 * 1024) + b"}",
                        headers={**new_key(), **accept, "Content-Type": "application/json"})
    too_large = _problem(huge, 413, language)
    assert too_large["title"] == said("Content too large", language)
    assert too_large["detail"] == said(
        "the request body is larger than {count} bytes, the limit {limit} of this route", language,
        count=MAX_JSON_BODY_BYTES, limit="MAX_JSON_BODY_BYTES")  # the limit's name is kept as it is


@pytest.mark.parametrize("language", LANGUAGES)
def test_authentication_and_access_refusals_in_the_language(services: Services, language: str) -> None:
    accept = {"Accept-Language": language}
    with api_client(services, None) as anonymous:
        refused = _problem(anonymous.get(f"/accounts/{uuid4()}/balance", headers=accept), 401, language)
    assert refused["title"] == said("Unauthorized", language)
    assert refused["detail"] == said(NO_CREDENTIALS, language)  # how to send them
    with api_client(services, "auditor") as auditor:
        asked = auditor.post("/partners", json={"name": "Anna"}, headers={**new_key(), **accept})
    forbidden = _problem(asked, 403, language)
    assert forbidden["title"] == said("Forbidden", language)
    assert "auditor" in str(forbidden["detail"]) and "POST /partners" in str(forbidden["detail"])
    assert "may not use" not in str(forbidden["detail"])


def test_an_unknown_language_gets_english_and_the_q_values_decide(finance: TestClient) -> None:
    english = finance.post("/partners", json={}, headers={**new_key(), "Accept-Language": "de-DE, de;q=0.9"})
    body = _problem(english, 422, "en")
    assert (body["title"], body["detail"]) == ("Invalid input", "name: Field required")
    plain = _problem(finance.post("/partners", json={}, headers=new_key()), 422, "en")
    assert plain == body
    chosen = finance.post("/partners", json={},
                          headers={**new_key(), "Accept-Language": "de;q=1, fi;q=0.4, sv;q=0.7, it;q=0"})
    assert _problem(chosen, 422, "sv")["detail"] == "name: " + said("Field required", "sv")
    data = finance.post("/partners", json={"name": "Anna"}, headers={**new_key(), "Accept-Language": "fi"})
    assert data.status_code == 201 and "content-language" not in data.headers


def test_every_title_and_the_gates_own_texts_have_a_template() -> None:
    assert set(_TITLES.values()) <= set(TITLES)
    assert NO_CREDENTIALS in TEMPLATES


def test_a_message_no_template_has_stays_english_and_a_noun_outside_the_list_is_not_guessed() -> None:
    assert translate_message("only finance may write off; a clerk is not", "it") == (
        "only finance may write off; a clerk is not")
    assert translate_message("the contract account of X-1 does not exist", "it") == (
        "the contract account of X-1 does not exist")
    contended = ("the records this command changes were changed by others 7 times while it waited 10 s; "
                 "nothing was written: send it again")
    for language in LANGUAGES:
        text = translate_message(contended, language)
        assert text != contended and "7" in text and "10" in text
