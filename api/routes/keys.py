"""API keys of machine clients (admin): create one (shown once), revoke one. ``saldo keys`` does the same."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from api.auth.keys import create_key, derived_seed
from api.deps import ActorDep, IdempotencyKey, ServicesDep, run_command
from api.schemas.keys import ApiKeyIn, ApiKeyOut, RevocationIn, RevokedOut
from ledger.access import commands as kc

router = APIRouter()


@router.post("/keys", status_code=201, tags=["admin"])
def create(body: ApiKeyIn, key: IdempotencyKey, svc: ServicesDep, actor: ActorDep, request: Request,
           response: Response) -> ApiKeyOut:
    """A new API key for a machine client. The same ``Idempotency-Key`` answers with the same key."""
    seed = derived_seed(request.app.state.auth.secret, key, body.name)
    result = create_key(svc.app, body.name, body.role, body.partner_id, key, actor, seed)
    response.headers["Idempotent-Replayed"] = "true" if result.pop("replayed") else "false"
    return ApiKeyOut.model_validate(result)


@router.post("/keys/{name}/revocation", status_code=201, tags=["admin"])
def revoke(name: str, body: RevocationIn, key: IdempotencyKey, svc: ServicesDep, actor: ActorDep,
           response: Response) -> RevokedOut:
    """Revoke a key: from now on it is refused (401); the name may be given a new key later."""
    result = run_command(svc, kc.RevokeApiKey(name, body.reason), key, response, actor)
    return RevokedOut.model_validate(result)
