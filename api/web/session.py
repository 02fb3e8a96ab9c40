"""The workplace's session: the cookie holding the credential pasted at login, CSRF tokens, flash messages.

The session cookie (:data:`api.auth.gate.SESSION_COOKIE`) holds the token or API key itself, so a
session ends when its token does and a revoked key ends it at once; it is ``HttpOnly`` (no script reads
it), ``SameSite=Strict`` (no other site's page sends it) and ``Secure`` when the page came over https.

Every form a logged-in person posts carries a CSRF token signed for the session: the HMAC of the session's
credential under the installation's secret, so it needs no storage and an attacker who cannot read the
cookie cannot make it. The login form, before any session, carries a signed double-submit token: a
random nonce with its HMAC, in a cookie and in the form, which must agree. A flash message (what a command
did, shown once on the page it redirects to) travels in a signed cookie too.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from starlette.requests import Request
from starlette.responses import Response

from api.auth.gate import SESSION_COOKIE

#: The login form's double-submit cookie and the flash message's cookie.
LOGIN_COOKIE = "saldo_login"
FLASH_COOKIE = "saldo_flash"
#: The form field every POST of the workplace carries its CSRF token in.
CSRF_FIELD = "csrf"
#: Longest credential kept in the cookie: browsers keep cookies of up to 4096 bytes, name and attributes
#: included; a longer token (an identity provider's, with many claims) is refused at login, saying why.
MAX_SESSION_CREDENTIAL_BYTES = 3800
#: Longest flash message kept (it is a sentence); a session lives as long as its token, at most this.
MAX_FLASH_LENGTH = 500
SESSION_MAX_AGE_S = 8 * 3600
LOGIN_MAX_AGE_S = 3600


def _sign(secret: bytes, purpose: str, value: str) -> str:
    digest = hmac.new(secret, f"{purpose}\0{value}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def _secret(request: Request) -> bytes:
    secret: bytes = request.app.state.auth.secret
    return secret


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def session_credential(request: Request) -> str | None:
    return request.cookies.get(SESSION_COOKIE) or None


def csrf_token(request: Request) -> str:
    """The CSRF token of this request's session (empty without one: then no form posts but the login)."""
    credential = session_credential(request)
    return _sign(_secret(request), "csrf", credential) if credential else ""


def csrf_valid(request: Request, sent: str | None) -> bool:
    expected = csrf_token(request)
    return bool(expected) and sent is not None and hmac.compare_digest(expected, sent)


def start_session(request: Request, response: Response, credential: str) -> None:
    response.set_cookie(SESSION_COOKIE, credential, max_age=SESSION_MAX_AGE_S, path="/", httponly=True,
                        samesite="strict", secure=_secure(request))
    response.delete_cookie(LOGIN_COOKIE, path="/login")


def end_session(request: Request, response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict",
                           secure=_secure(request))


def login_token(request: Request) -> str:
    """The login form's token: the one its cookie already holds (another tab's form stays valid), else a
    new one (:func:`keep_login_token` sets it in the cookie)."""
    held = request.cookies.get(LOGIN_COOKIE)
    if held is not None and login_valid(request, held):
        return held
    nonce = secrets.token_urlsafe(24)
    return f"{nonce}.{_sign(_secret(request), 'login', nonce)}"


def keep_login_token(request: Request, response: Response, token: str) -> None:
    response.set_cookie(LOGIN_COOKIE, token, max_age=LOGIN_MAX_AGE_S, path="/login", httponly=True,
                        samesite="strict", secure=_secure(request))


def login_valid(request: Request, sent: str | None) -> bool:
    """The login form's token is the cookie's and the installation signed it."""
    held = request.cookies.get(LOGIN_COOKIE)
    if not held or not sent or not hmac.compare_digest(held, sent):
        return False
    nonce, _, signature = held.partition(".")
    return hmac.compare_digest(_sign(_secret(request), "login", nonce), signature)


def flash(request: Request, response: Response, message: str) -> None:
    """Show ``message`` once, on the next page this browser opens."""
    text = base64.urlsafe_b64encode(message[:MAX_FLASH_LENGTH].encode()).decode("ascii")
    response.set_cookie(FLASH_COOKIE, f"{text}.{_sign(_secret(request), 'flash', text)}", path="/",
                        httponly=True, samesite="strict", secure=_secure(request))


def flashed(request: Request) -> str | None:
    """The flash message this request carries, if the installation signed it."""
    held = request.cookies.get(FLASH_COOKIE, "")
    text, _, signature = held.partition(".")
    if not text or not hmac.compare_digest(_sign(_secret(request), "flash", text), signature):
        return None
    try:
        return base64.urlsafe_b64decode(text.encode("ascii")).decode()[:MAX_FLASH_LENGTH]
    except ValueError:
        return None


def clear_flash(response: Response) -> None:
    response.delete_cookie(FLASH_COOKIE, path="/")
