"""OAuth2 providers from the environment, what the Mailboxes page says about them, the PKCE
authorization URL, and the digest line for a mailbox that must sign in again (no sockets)."""

from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import parse_qs, urlsplit

import pytest

from followup.nudges.digest import build_digest
from followup.oauth_providers import OAuthSettingsError, load_providers, redirect_uri
from inbox_sync.oauth import start_authorization
from tests.rows import add_user
from tests.web_client import WebClient, make_app

NOW = datetime(2026, 12, 2, 8, 0, tzinfo=timezone.utc)

KEYCLOAK = {
    "FOLLOWUP_OAUTH_PROVIDERS": "keycloak",
    "FOLLOWUP_OAUTH_KEYCLOAK_CLIENT_ID": "followup",
    "FOLLOWUP_OAUTH_KEYCLOAK_CLIENT_SECRET": "s3cret",
    "FOLLOWUP_OAUTH_KEYCLOAK_AUTHORIZE_URL": "https://id.example.com/realms/x/protocol/openid-connect/auth",
    "FOLLOWUP_OAUTH_KEYCLOAK_TOKEN_URL": "https://id.example.com/realms/x/protocol/openid-connect/token",
    "FOLLOWUP_OAUTH_KEYCLOAK_SCOPES": "openid email",
    "FOLLOWUP_OAUTH_KEYCLOAK_IMAP_HOST": "imap.example.com",
}


def test_presets_say_which_credentials_are_missing():
    providers = load_providers({"FOLLOWUP_GOOGLE_CLIENT_ID": "id.apps.googleusercontent.com"})
    google, microsoft = providers["google"], providers["microsoft"]
    assert google.missing == ("FOLLOWUP_GOOGLE_CLIENT_SECRET",) and not google.configured
    assert microsoft.missing == ("FOLLOWUP_MICROSOFT_CLIENT_ID", "FOLLOWUP_MICROSOFT_CLIENT_SECRET")
    assert google.imap_host == "imap.gmail.com" and "https://mail.google.com/" in google.scopes
    assert microsoft.imap_host == "outlook.office365.com"
    assert {"https://outlook.office.com/IMAP.AccessAsUser.All", "offline_access"} <= set(microsoft.scopes)
    assert "/organizations/" in microsoft.token_url and not microsoft.revocation_url
    tenant = load_providers({"FOLLOWUP_MICROSOFT_TENANT": "contoso.onmicrosoft.com"})["microsoft"]
    assert tenant.authorize_url == "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/authorize"
    assert redirect_uri("https://followup.example.com/") == "https://followup.example.com/oauth/callback"


def test_a_generic_provider_from_the_environment():
    keycloak = load_providers(KEYCLOAK)["keycloak"]
    assert keycloak.configured and keycloak.label == "Keycloak" and keycloak.scope == "openid email"
    assert (keycloak.imap_host, keycloak.imap_port, keycloak.imap_security) == ("imap.example.com", 993, "ssl")
    missing = load_providers({"FOLLOWUP_OAUTH_PROVIDERS": "zoho"})["zoho"]
    assert "FOLLOWUP_OAUTH_ZOHO_TOKEN_URL" in missing.missing and not missing.configured


@pytest.mark.parametrize("env, named", [
    ({"FOLLOWUP_OAUTH_KEYCLOAK_TOKEN_URL": "ftp://id.example.com/token"}, "FOLLOWUP_OAUTH_KEYCLOAK_TOKEN_URL:"),
    ({"FOLLOWUP_OAUTH_KEYCLOAK_TOKEN_URL": "http://id.example.com/token"}, "must be https"),
    ({"FOLLOWUP_OAUTH_KEYCLOAK_IMAP_PORT": "99999"}, "FOLLOWUP_OAUTH_KEYCLOAK_IMAP_PORT:"),
    ({"FOLLOWUP_OAUTH_KEYCLOAK_IMAP_SECURITY": "tls"}, "FOLLOWUP_OAUTH_KEYCLOAK_IMAP_SECURITY:"),
    ({"FOLLOWUP_OAUTH_PROVIDERS": "google"}, "FOLLOWUP_OAUTH_PROVIDERS:"),
    ({"FOLLOWUP_OAUTH_PROVIDERS": "my idp"}, "FOLLOWUP_OAUTH_PROVIDERS:"),
    ({"FOLLOWUP_MICROSOFT_TENANT": "a/b"}, "FOLLOWUP_MICROSOFT_TENANT:"),
])
def test_a_bad_setting_is_one_line_naming_it(env, named):
    with pytest.raises(OAuthSettingsError) as caught:
        load_providers({**KEYCLOAK, **env})
    assert named in str(caught.value) and "\n" not in str(caught.value)
    assert str(caught.value).startswith(("FOLLOWUP_OAUTH_", "FOLLOWUP_MICROSOFT_"))


def test_the_authorization_url_carries_state_and_a_pkce_s256_challenge():
    keycloak = load_providers(KEYCLOAK)["keycloak"]
    first = start_authorization(keycloak, "https://followup.example.com/oauth/callback")
    second = start_authorization(keycloak, "https://followup.example.com/oauth/callback")
    query = parse_qs(urlsplit(first.url).query)
    assert query["state"] == [first.state] and query["code_challenge_method"] == ["S256"]
    assert query["redirect_uri"] == ["https://followup.example.com/oauth/callback"]
    assert first.code_verifier not in first.url and len(first.code_verifier) >= 43
    assert first.state != second.state and first.code_verifier != second.code_verifier
    assert "s3cret" not in first.url and "s3cret" not in repr(keycloak)


def test_mailboxes_page_offers_configured_providers_and_names_missing_credentials(web_rt, monkeypatch):
    monkeypatch.setenv("FOLLOWUP_GOOGLE_CLIENT_ID", "id.apps.googleusercontent.com")
    monkeypatch.setenv("FOLLOWUP_GOOGLE_CLIENT_SECRET", "google-secret")
    monkeypatch.delenv("FOLLOWUP_MICROSOFT_CLIENT_ID", raising=False)
    monkeypatch.delenv("FOLLOWUP_MICROSOFT_CLIENT_SECRET", raising=False)
    add_user(web_rt)
    web = WebClient(make_app(web_rt).test_client())
    web.login("rep@example.com")
    page = web.get("/accounts/").get_data(as_text=True)
    assert "Connect with Google</button>" in page and "google-secret" not in page
    assert ("Connect with Microsoft is not set up on this server: it needs FOLLOWUP_MICROSOFT_CLIENT_ID, "
            "FOLLOWUP_MICROSOFT_CLIENT_SECRET") in page

    response = web.post("/accounts/oauth/google/connect")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("https://accounts.google.com/o/oauth2/v2/auth?")
    assert "access_type=offline" in response.headers["Location"]
    response = web.post("/accounts/oauth/microsoft/connect")
    assert response.status_code == 302 and response.headers["Location"] == "/accounts/"
    assert web.post("/accounts/oauth/google/connect", csrf=False).status_code == 400  # CSRF


def test_the_digest_says_which_mailbox_must_sign_in_again():
    digest = build_digest(to="rep@example.com", name="Rita", timezone="UTC", tasks=[],
                          base_url="https://followup.example.com", now=NOW, signin_needed=["rep@gmail.com"])
    assert digest is not None and digest.subject == "Sign in again: rep@gmail.com"
    assert "rep@gmail.com stopped syncing: its provider needs you to sign in again: " \
           "https://followup.example.com/accounts/" in digest.text
    assert "<strong>rep@gmail.com</strong> stopped syncing" in digest.html
    assert build_digest(to="rep@example.com", name="Rita", timezone="UTC", tasks=[],
                        base_url="https://followup.example.com", now=NOW) is None


def test_without_userinfo_the_address_comes_from_the_id_token():
    import base64
    import json

    from inbox_sync.oauth import AuthorizationError, mailbox_address

    def id_token(claims: dict) -> str:
        body = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
        return f"eyJhbGciOiJSUzI1NiJ9.{body}.signature"

    microsoft = load_providers({})["microsoft"]
    assert mailbox_address(microsoft, None, {"id_token": id_token({"preferred_username": "Dana@Contoso.com"})}) \
        == "dana@contoso.com"
    with pytest.raises(AuthorizationError, match="did not say which mailbox"):
        mailbox_address(microsoft, None, {"id_token": id_token({"sub": "123"})})
    with pytest.raises(AuthorizationError):
        mailbox_address(microsoft, None, {"id_token": "not-a-jwt"})
