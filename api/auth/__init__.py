"""Who is asking: bearer tokens (signed JWTs) and API keys, the failed-attempt limit, and the HTTP gate.

- :mod:`api.auth.config` reads the settings (the embedded secret, an external identity provider's JWKS,
  issuer and audience) from the environment;
- :mod:`api.auth.tokens` issues and verifies JWTs (pyjwt); :mod:`api.auth.keys` makes and checks API keys;
- :mod:`api.auth.ratelimit` counts failed attempts per client address;
- :mod:`api.auth.gate` is the ASGI middleware that authenticates every request and enforces
  :mod:`api.access`, the one table of who may use which route.
"""
