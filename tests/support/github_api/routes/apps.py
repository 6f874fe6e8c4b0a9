"""GitHub App endpoints: the app itself, its installation on a repository, installation tokens.

These are called with a JWT the app signs with its private key (``Authorization: Bearer``);
:func:`app_from_jwt` checks it as GitHub does (RS256, ``iss`` the app id, at most ten minutes
of validity, not expired). Minted tokens are registered with the installation's repositories
and permissions, narrowed by the request.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.support.github_api import shapes
from tests.support.github_api.exchange import ApiError, Request, Response, not_found
from tests.support.github_api.gitdata import node_id
from tests.support.github_api.state import JSON, App, Installation, ServerState, Token

MAX_JWT_SECONDS = 600


def new_app(app_id: int, private_key: str | None = None) -> App:
    """An app with the given PEM private key, or a freshly generated 2048-bit one."""
    if private_key is None:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        private_key = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption()).decode()
    loaded = serialization.load_pem_private_key(private_key.encode(), password=None)
    public = loaded.public_key().public_bytes(serialization.Encoding.PEM,
                                              serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return App(app_id=app_id, slug=f"app-{app_id}", private_key=private_key, public_key=public)


def app_from_jwt(state: ServerState, token: str) -> App | None:
    """The app whose valid JWT ``token`` is; None for anything else."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
        app = state.apps.get(int(claims["iss"]))
        if app is None:
            return None
        checked = jwt.decode(token, app.public_key, algorithms=["RS256"], leeway=60,
                             options={"require": ["iat", "exp", "iss"]})
    except (jwt.PyJWTError, KeyError, TypeError, ValueError):
        return None
    return app if int(checked["exp"]) - int(checked["iat"]) <= MAX_JWT_SECONDS + 60 else None


def _app_json(state: ServerState, app: App) -> JSON:
    return {"id": app.app_id, "slug": app.slug, "node_id": node_id("A", app.app_id),
            "client_id": f"Iv1.{app.app_id}", "owner": shapes.user(state, "octo-org", bot=False),
            "name": app.slug, "description": None, "external_url": shapes.WEB,
            "html_url": f"{shapes.WEB}/apps/{app.slug}", "created_at": "2026-01-01T00:00:00Z",
            "updated_at": "2026-01-01T00:00:00Z",
            "permissions": {"checks": "write", "pull_requests": "write", "contents": "read",
                            "metadata": "read"},
            "events": ["pull_request", "check_suite", "check_run"]}


def _installation_json(state: ServerState, installation: Installation) -> JSON:
    app = state.apps[installation.app_id]
    settings = f"{shapes.WEB}/organizations/{installation.account}/settings/installations"
    return {"id": installation.id, "app_id": app.app_id, "app_slug": app.slug,
            "client_id": f"Iv1.{app.app_id}",
            "target_id": 1, "target_type": "Organization", "single_file_name": None,
            "repository_selection": "selected",
            "access_tokens_url": f"{state.base_url}/app/installations/{installation.id}/access_tokens",
            "repositories_url": f"{state.base_url}/installation/repositories",
            "html_url": f"{settings}/{installation.id}",
            "events": ["pull_request"], "account": shapes.user(state, installation.account, bot=False),
            "permissions": dict(installation.permissions), "created_at": "2026-01-01T00:00:00Z",
            "updated_at": "2026-01-01T00:00:00Z", "suspended_by": None, "suspended_at": None}


def get_authenticated(req: Request) -> Response:
    assert req.app is not None
    return Response(body=_app_json(req.state, req.app))


def get_repo_installation(req: Request) -> Response:
    repo = req.repo()
    assert req.app is not None
    found = next((i for i in req.state.installations.values()
                  if i.app_id == req.app.app_id and repo.full_name.lower() in i.repositories), None)
    if found is None:
        raise not_found()
    return Response(body=_installation_json(req.state, found))


def create_installation_token(req: Request) -> Response:
    installation = req.state.installations.get(int(req.path_params["installation_id"]))
    if installation is None or req.app is None or installation.app_id != req.app.app_id:
        raise not_found()
    body = req.json_body()
    repositories = installation.repositories
    if "repositories" in body:
        owner = installation.account.lower()
        asked = frozenset(f"{owner}/{name.lower()}" for name in body["repositories"])
        if not asked <= installation.repositories:
            raise ApiError(422, "There is at least one repository that does not exist or is not accessible "
                           "to the parent installation.")
        repositories = asked
    permissions = dict(installation.permissions)
    for name, level in (body.get("permissions") or {}).items():
        if (permissions.get(name), level) not in (("write", "write"), ("write", "read"), ("read", "read")):
            raise ApiError(422, f"The permissions requested are not granted to this installation: {name}")
        permissions[name] = level
    if body.get("permissions"):
        permissions = {k: v for k, v in permissions.items() if k in body["permissions"]}
    value = "ghs_" + secrets.token_hex(18)
    req.state.tokens[value] = Token(value=value, write=False, login=f"{req.app.slug}[bot]",
                                    permissions=permissions, repositories=repositories,
                                    app_id=req.app.app_id)
    expires = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return Response(status=201, body={"token": value, "expires_at": expires, "permissions": permissions,
                                      "repository_selection": "selected"})


def list_installations(req: Request) -> Response:
    """The app's installations, oldest first (``since`` and ``outdated`` accepted, not modelled)."""
    assert req.app is not None
    mine = sorted((i for i in req.state.installations.values() if i.app_id == req.app.app_id),
                  key=lambda i: i.id)
    return Response(body=[_installation_json(req.state, i) for i in mine], paginate="")


def list_installation_repositories(req: Request) -> Response:
    """The repositories the installation token may see (only installation tokens may ask)."""
    token = req.token
    if token is None or token.repositories is None:
        raise ApiError(403, "This endpoint requires an installation access token")
    repos = sorted((r for key, r in req.state.repositories.items() if key in token.repositories),
                   key=lambda r: r.full_name.lower())
    return Response(body={"total_count": len(repos), "repository_selection": "selected",
                          "repositories": [shapes.repository(req.state, r, full=False) for r in repos]},
                    paginate="repositories")
