"""Access: the API keys of machine clients (the accounting system), stored as hashes with their role.

The domain never sees a key itself: the entrypoint generates it, shows it once, and gives the command only
its SHA-256 hash. Creating and revoking a key are commands like any other, so each is recorded with the
actor who asked for it. Tokens, signatures and HTTP live in :mod:`api.auth`.
"""
