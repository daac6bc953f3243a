"""A real OAuth2 authorization server on loopback, built with Authlib's Flask server side.

It stands in for Google's or Microsoft's: authorization code with PKCE (S256 required),
refresh tokens (rotated on each refresh, the old one revoked, as Microsoft does), RFC 7009
revocation, an RFC 7662 introspection endpoint that Dovecot's oauth2 passdb asks, and a
userinfo endpoint giving the mailbox address. The consent page is a plain HTML form
("Allow" / "Deny") a browser or a test's HTTP client submits; the user who consents is
`OAuthServer.user` (the server has no sign-in of its own).

What it issued is kept in memory, so tests can check what was refreshed and revoked and
can revoke a grant behind the client's back (`revoke_all`, as a user does at Google).
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from html import escape

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749.models import AuthorizationCodeMixin, ClientMixin, TokenMixin
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from flask import Flask, jsonify, request
from werkzeug.serving import make_server

CLIENT_ID = "followup-test-client"
CLIENT_SECRET = "test-client-secret-not-a-real-one"
SCOPE = "openid email imap"


@dataclass
class Client(ClientMixin):
    client_id: str
    client_secret: str
    redirect_uris: list[str]

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return self.redirect_uris[0]

    def get_allowed_scope(self, scope):
        return " ".join(s for s in (scope or "").split() if s in SCOPE.split())

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret):
        return secrets.compare_digest(client_secret, self.client_secret)

    def check_endpoint_auth_method(self, method, endpoint):
        return method in ("client_secret_post", "client_secret_basic")

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type in ("authorization_code", "refresh_token")


@dataclass
class Code(AuthorizationCodeMixin):
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    user: str
    code_challenge: str | None
    code_challenge_method: str | None
    issued_at: float = field(default_factory=time.time)

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope


@dataclass
class Token(TokenMixin):
    client_id: str
    user: str
    scope: str
    access_token: str
    refresh_token: str | None
    expires_in: int
    issued_at: float = field(default_factory=time.time)
    access_revoked: bool = False
    refresh_revoked: bool = False

    def check_client(self, client):
        return client.get_client_id() == self.client_id

    def get_scope(self):
        return self.scope

    def get_expires_in(self):
        return self.expires_in

    def is_expired(self):
        return time.time() > self.issued_at + self.expires_in

    def is_revoked(self):
        return self.access_revoked

    def get_user(self):
        return self.user

    def get_client(self):
        return None


class OAuthServer:
    """Start with `start()`; `url` is its base; `stop()` shuts it down."""

    def __init__(self, user: str = "rep@example.com", expires_in: int = 3600) -> None:
        self.user = user
        self.expires_in = expires_in
        self.redirect_uris: list[str] = []
        self.codes: dict[str, Code] = {}
        self.tokens: list[Token] = []
        self.refreshes = 0
        self.revocations = 0
        self.requests: list[str] = []  # "POST /token", … in order
        self._lock = threading.Lock()
        self.app = self._build_app()
        self._server = None

    # -- what tests look at and do ------------------------------------------------------

    def active_access_tokens(self) -> list[str]:
        with self._lock:
            return [t.access_token for t in self.tokens if not t.access_revoked and not t.is_expired()]

    def active_refresh_tokens(self) -> list[str]:
        with self._lock:
            return [t.refresh_token for t in self.tokens if t.refresh_token and not t.refresh_revoked]

    def revoke_all(self) -> None:
        """The user removes the app's access at the provider: every token stops working."""
        with self._lock:
            for token in self.tokens:
                token.access_revoked = token.refresh_revoked = True

    def start(self) -> "OAuthServer":
        self._server = make_server("127.0.0.1", 0, self.app, threaded=True)
        threading.Thread(target=self._server.serve_forever, daemon=True, name="oauth-server").start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def provider_env(self, name: str, imap_host: str, imap_port: int) -> dict[str, str]:
        """The FOLLOWUP_OAUTH_<NAME>_* variables that point followup at this server."""
        prefix = f"FOLLOWUP_OAUTH_{name.upper()}_"
        return {
            "FOLLOWUP_OAUTH_PROVIDERS": name,
            prefix + "LABEL": name.capitalize(),
            prefix + "CLIENT_ID": CLIENT_ID, prefix + "CLIENT_SECRET": CLIENT_SECRET,
            prefix + "AUTHORIZE_URL": self.url + "/authorize", prefix + "TOKEN_URL": self.url + "/token",
            prefix + "REVOCATION_URL": self.url + "/revoke", prefix + "USERINFO_URL": self.url + "/userinfo",
            prefix + "SCOPES": SCOPE,
            prefix + "IMAP_HOST": imap_host, prefix + "IMAP_PORT": str(imap_port), prefix + "IMAP_SECURITY": "none",
        }

    # -- the Authlib server ---------------------------------------------------------------

    def _build_app(self) -> Flask:
        app = Flask("oauth-test-server")
        outer = self

        def query_client(client_id):
            if client_id != CLIENT_ID:
                return None
            return Client(CLIENT_ID, CLIENT_SECRET, outer.redirect_uris)

        def save_token(token, req):
            with outer._lock:
                outer.tokens.append(Token(
                    client_id=req.client.get_client_id(), user=req.user, scope=token.get("scope", ""),
                    access_token=token["access_token"], refresh_token=token.get("refresh_token"),
                    expires_in=int(token["expires_in"])))

        app.config["OAUTH2_TOKEN_EXPIRES_IN"] = {"authorization_code": self.expires_in,
                                                 "refresh_token": self.expires_in}
        app.config["OAUTH2_REFRESH_TOKEN_GENERATOR"] = True
        server = AuthorizationServer(app, query_client=query_client, save_token=save_token)

        class AuthorizationCode(grants.AuthorizationCodeGrant):
            TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

            def save_authorization_code(self, code, req):
                with outer._lock:
                    outer.codes[code] = Code(
                        code=code, client_id=req.client.get_client_id(), redirect_uri=req.payload.redirect_uri,
                        scope=req.payload.scope, user=req.user,
                        code_challenge=req.payload.data.get("code_challenge"),
                        code_challenge_method=req.payload.data.get("code_challenge_method"))

            def query_authorization_code(self, code, client):
                found = outer.codes.get(code)
                if found and found.client_id == client.get_client_id() and time.time() - found.issued_at < 300:
                    return found
                return None

            def delete_authorization_code(self, authorization_code):
                outer.codes.pop(authorization_code.code, None)

            def authenticate_user(self, authorization_code):
                return authorization_code.user

        class RefreshToken(grants.RefreshTokenGrant):
            TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]
            INCLUDE_NEW_REFRESH_TOKEN = True

            def authenticate_refresh_token(self, refresh_token):
                with outer._lock:
                    found = next((t for t in outer.tokens if t.refresh_token == refresh_token), None)
                if found is None or found.refresh_revoked:
                    return None  # Authlib answers invalid_grant
                return found

            def authenticate_user(self, credential):
                return credential.user

            def revoke_old_credential(self, credential):
                with outer._lock:
                    credential.refresh_revoked = True
                    outer.refreshes += 1

        class Revocation(RevocationEndpoint):
            CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

            def query_token(self, token_string, token_type_hint):
                with outer._lock:
                    return next((t for t in outer.tokens
                                 if token_string in (t.access_token, t.refresh_token)), None)

            def revoke_token(self, token, req):
                with outer._lock:
                    # Revoking the refresh token ends the grant: its access tokens too (RFC 7009 2.1).
                    for t in outer.tokens:
                        if t.user == token.user and t.client_id == token.client_id:
                            t.access_revoked = t.refresh_revoked = True
                    outer.revocations += 1

        server.register_grant(AuthorizationCode, [CodeChallenge(required=True)])
        server.register_grant(RefreshToken)
        server.register_endpoint(Revocation)

        @app.before_request
        def _note():
            outer.requests.append(f"{request.method} {request.path}")

        @app.route("/authorize", methods=["GET", "POST"])
        def authorize():
            if request.method == "GET":
                grant = server.get_consent_grant(end_user=outer.user)
                fields = "".join(f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">'
                                 for k, v in request.args.items())
                return (f"<!doctype html><title>Test provider: allow access</title>"
                        f"<h1>followup wants to read your mail</h1>"
                        f"<p>Signed in as <b id='who'>{escape(outer.user)}</b>; client {escape(grant.client.client_id)}, "
                        f"scope {escape(grant.request.payload.scope or '')}.</p>"
                        f"<form method='post' action='/authorize'>{fields}"
                        f"<button type='submit' name='consent' value='allow' id='allow'>Allow</button> "
                        f"<button type='submit' name='consent' value='deny' id='deny'>Deny</button></form>")
            allowed = request.form.get("consent") == "allow"
            grant = server.get_consent_grant(end_user=outer.user)
            return server.create_authorization_response(grant=grant, grant_user=outer.user if allowed else None)

        @app.post("/token")
        def token():
            return server.create_token_response()

        @app.post("/revoke")
        def revoke():
            return server.create_endpoint_response(Revocation.ENDPOINT_NAME)

        @app.get("/userinfo")
        def userinfo():
            found = outer._token_from_header(request.headers.get("Authorization", ""))
            if found is None:
                return jsonify(error="invalid_token"), 401
            return jsonify(sub=found.user, email=found.user, email_verified=True)

        @app.post("/introspect")
        def introspect():
            # RFC 7662, as Dovecot's oauth2 passdb asks it (introspection_mode = post).
            found = outer._token_from_string(request.form.get("token", ""))
            if found is None:
                return jsonify(active=False)
            return jsonify(active=True, username=found.user, scope=found.scope, client_id=found.client_id,
                           exp=int(found.issued_at + found.expires_in))

        return app

    def _token_from_header(self, header: str) -> Token | None:
        kind, _, value = header.partition(" ")
        return self._token_from_string(value) if kind.lower() == "bearer" else None

    def _token_from_string(self, value: str) -> Token | None:
        with self._lock:
            found = next((t for t in self.tokens if t.access_token == value), None)
        if found is None or found.access_revoked or found.is_expired():
            return None
        return found
