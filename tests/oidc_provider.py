"""A real OpenID Connect provider for the tests, shaped like ProConnect: its own RSA keys,
discovery under /api/v2, authorize, token, userinfo as a signed JWT, JWKS and end-session.

It runs with uvicorn in a thread on loopback. `mode` makes it misbehave on purpose: a tampered
signature, a wrong nonce, a wrong audience, an expired token, or userinfo as plain JSON.
"""

import secrets
import socket
import threading
import time
from typing import Any
from urllib.parse import urlencode

import uvicorn
from joserfc import jwt
from joserfc.jwk import RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

CLIENT_ID = "demineurs-tests"
CLIENT_SECRET = "client-secret-for-the-tests-" + "x" * 20


class Provider:
    def __init__(self) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
        self.issuer = f"http://127.0.0.1:{self.port}/api/v2"
        self.key = RSAKey.generate_key(2048, parameters={"kid": "tests-1", "use": "sig"})
        self.other_key = RSAKey.generate_key(2048, parameters={"kid": "tests-1"})
        self.mode = "ok"
        self.profile: dict[str, Any] = {}
        self.codes: dict[str, dict[str, Any]] = {}
        self.access: dict[str, dict[str, Any]] = {}
        self.authorize_requests: list[dict[str, str]] = []
        self.logouts: list[dict[str, str]] = []
        self.use(sub="agent-1", email="nadia.haddad@interieur.gouv.fr")
        self.server: uvicorn.Server | None = None

    def use(self, **profile: Any) -> None:
        """The agent who signs in next (ProConnect's claims)."""
        self.profile = {
            "sub": "agent-1",
            "given_name": "Nadia",
            "usual_name": "Haddad",
            "email": "nadia.haddad@interieur.gouv.fr",
            "uid": "nhaddad",
            "siret": "11000201100044",
            "idp_id": "fia1v2",
            "organization_label": "Ministère de l'Intérieur",
            **profile,
        }

    def _sign(self, claims: dict[str, Any]) -> str:
        key = self.other_key if self.mode == "tampered" else self.key
        return jwt.encode({"alg": "RS256", "kid": "tests-1"}, claims, key)

    # --- endpoints ---------------------------------------------------------------------

    async def discovery(self, request: Request) -> Response:
        base = self.issuer
        return JSONResponse(
            {
                "issuer": base,
                "authorization_endpoint": f"{base}/authorize",
                "token_endpoint": f"{base}/token",
                "userinfo_endpoint": f"{base}/userinfo",
                "jwks_uri": f"{base}/jwks",
                "end_session_endpoint": f"{base}/session/end",
                "id_token_signing_alg_values_supported": ["RS256"],
                "userinfo_signing_alg_values_supported": ["RS256"],
                "claims_parameter_supported": True,
            }
        )

    async def jwks(self, request: Request) -> Response:
        return JSONResponse({"keys": [self.key.as_dict(private=False)]})

    async def authorize(self, request: Request) -> Response:
        query = dict(request.query_params)
        self.authorize_requests.append(query)
        if query.get("client_id") != CLIENT_ID or query.get("response_type") != "code":
            return PlainTextResponse("bad request", status_code=400)
        code = secrets.token_urlsafe(24)
        self.codes[code] = {"nonce": query.get("nonce", ""), "profile": dict(self.profile)}
        back = {"code": code, "state": query.get("state", "")}
        return RedirectResponse(f"{query['redirect_uri']}?{urlencode(back)}", status_code=302)

    async def token(self, request: Request) -> Response:
        form = dict(await request.form())
        grant = self.codes.pop(str(form.get("code", "")), None)
        if grant is None or form.get("client_secret") != CLIENT_SECRET:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "sub": grant["profile"]["sub"],
            "aud": "another-service" if self.mode == "wrong_audience" else CLIENT_ID,
            "exp": now - 120 if self.mode == "expired" else now + 60,
            "iat": now - 180 if self.mode == "expired" else now,
            "nonce": "not-the-nonce-you-sent" if self.mode == "wrong_nonce" else grant["nonce"],
            "acr": "eidas1",
            "amr": ["pwd"],
        }
        access = secrets.token_urlsafe(24)
        self.access[access] = grant["profile"]
        return JSONResponse(
            {
                "access_token": access,
                "token_type": "Bearer",
                "expires_in": 60,
                "id_token": self._sign(claims),
            }
        )

    async def userinfo(self, request: Request) -> Response:
        bearer = request.headers.get("authorization", "").removeprefix("Bearer ")
        profile = self.access.get(bearer)
        if profile is None:
            return JSONResponse({"error": "invalid_token"}, status_code=401)
        if self.mode == "userinfo_json":
            return JSONResponse(profile)
        claims = {**profile, "iss": self.issuer, "aud": CLIENT_ID, "iat": int(time.time())}
        return Response(self._sign(claims), media_type="application/jwt")

    async def end_session(self, request: Request) -> Response:
        query = dict(request.query_params)
        self.logouts.append(query)
        return RedirectResponse(query["post_logout_redirect_uri"], status_code=302)

    # --- lifecycle -----------------------------------------------------------------------

    def start(self) -> "Provider":
        routes = [
            Route("/api/v2/.well-known/openid-configuration", self.discovery),
            Route("/api/v2/jwks", self.jwks),
            Route("/api/v2/authorize", self.authorize),
            Route("/api/v2/token", self.token, methods=["POST"]),
            Route("/api/v2/userinfo", self.userinfo),
            Route("/api/v2/session/end", self.end_session),
        ]
        config = uvicorn.Config(
            Starlette(routes=routes), host="127.0.0.1", port=self.port, log_level="warning"
        )
        self.server = uvicorn.Server(config)
        threading.Thread(target=self.server.run, daemon=True).start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the test OIDC provider did not start")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.should_exit = True
