"""The language of an API answer: ``Accept-Language`` picks it, problem documents are written in it.

The client's ``Accept-Language`` (RFC 9110 §12.5.4, https://www.rfc-editor.org/rfc/rfc9110#section-12.5.4)
is read as language ranges with q-values; the range with the highest q (the first of equals) whose primary
language is one Saldo writes in wins; ``*``, none, or only others (``de``): English. Babel's
``Locale.negotiate`` takes preferences already in order, so the q-values are read here.

:class:`LanguageMiddleware` translates every ``application/problem+json`` answer, whoever wrote it (an
exception handler, the authentication gate, the body limit, the incident handler), with
:func:`api.problem_texts.translate_problem`, and says which language it is in (``Content-Language``,
``Vary: Accept-Language`` for caches). Other answers (data, files) are passed on untouched: their texts are
the records' own.
"""

from __future__ import annotations

import json
from contextvars import ContextVar
from typing import Any

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.i18n import FALLBACK, LANGUAGES
from api.problem_texts import translate_problem
from api.problems import MEDIA_TYPE

#: The longest ``Accept-Language`` read, and the most ranges read of it (the rest is ignored).
MAX_ACCEPT_LANGUAGE_LENGTH, MAX_LANGUAGE_RANGES = 512, 32
#: The largest problem document translated (a validation error's list of reasons); a larger one goes as is.
MAX_PROBLEM_BYTES = 1024 * 1024


#: The language of the request being answered (set by :class:`LanguageMiddleware`), for answers written
#: in it beyond problem documents: a workbook's date formats (:mod:`api.spreadsheets`).
_ANSWER_LANGUAGE: ContextVar[str] = ContextVar("answer_language", default=FALLBACK)


def answer_language() -> str:
    """The language the request being answered accepts (English outside a request)."""
    return _ANSWER_LANGUAGE.get()


def _quality(params: str) -> float:
    for param in params.split(";"):
        name, _, value = param.strip().partition("=")
        if name.strip().lower() == "q":
            try:
                q = float(value.strip())
            except ValueError:
                return 0.0  # an unreadable weight: the range is not used
            return q if 0.0 <= q <= 1.0 else 0.0
    return 1.0


def accepted_language(header: str | None) -> str:
    """The Saldo language an ``Accept-Language`` header asks for (English if none of them).

    >>> accepted_language("de-CH, fi;q=0.8, sv;q=0.9"), accepted_language("it-IT"), accepted_language("de")
    ('sv', 'it', 'en')
    >>> accepted_language("ca;q=0, es;q=0.1"), accepted_language("*, fi;q=0.5"), accepted_language(None)
    ('es', 'en', 'en')
    """
    ranges = []
    parts = (header or "")[:MAX_ACCEPT_LANGUAGE_LENGTH].split(",")[:MAX_LANGUAGE_RANGES]
    for order, part in enumerate(parts):
        tag, _, params = part.strip().partition(";")
        q = _quality(params)
        if tag.strip() and q > 0:
            ranges.append((-q, order, tag.strip().lower()))
    for _, _, tag in sorted(ranges):
        if tag == "*":
            return FALLBACK
        primary = tag.split("-")[0]
        if primary in LANGUAGES:
            return primary
    return FALLBACK


def translated_body(body: bytes, language: str) -> bytes:
    """A problem document's bytes in ``language`` (as it came if it is not a JSON object)."""
    try:
        document: Any = json.loads(body)
    except ValueError:
        return body
    if not isinstance(document, dict):
        return body
    # As Starlette's JSONResponse writes it.
    return json.dumps(translate_problem(document, language), ensure_ascii=False, allow_nan=False,
                      separators=(",", ":")).encode("utf-8")


class LanguageMiddleware:
    """Write problem documents in the language the request accepts (see the module)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        language = accepted_language(Headers(scope=scope).get("accept-language"))
        held: Message | None = None
        chunks: list[bytes] = []

        async def translating(message: Message) -> None:
            nonlocal held
            if message["type"] == "http.response.start":
                if Headers(raw=message["headers"]).get("content-type", "").startswith(MEDIA_TYPE):
                    held = message  # sent with the translated body, whose length it must say
                    return
            elif message["type"] == "http.response.body" and held is not None:
                chunks.append(message.get("body", b""))
                if message.get("more_body", False) and sum(map(len, chunks)) <= MAX_PROBLEM_BYTES:
                    return
                await _send_problem(send, held, chunks, message.get("more_body", False), language)
                held = None
                return
            await send(message)

        token = _ANSWER_LANGUAGE.set(language)
        try:
            await self.app(scope, receive, translating)
        finally:
            _ANSWER_LANGUAGE.reset(token)


async def _send_problem(send: Send, start: Message, chunks: list[bytes], more: bool, language: str) -> None:
    """The held start of a problem answer and its body, translated if it came whole."""
    body = b"".join(chunks)
    headers = MutableHeaders(scope=start)
    if not more:
        body = translated_body(body, language)
        headers["content-length"] = str(len(body))
        headers["content-language"] = language
    else:  # larger than MAX_PROBLEM_BYTES: on its way as it was written, in English
        headers["content-language"] = FALLBACK
    headers.append("vary", "Accept-Language")
    await send(start)
    await send({"type": "http.response.body", "body": body, "more_body": more})
    chunks.clear()
