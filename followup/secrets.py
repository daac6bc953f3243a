"""Encryption at rest for IMAP passwords and OAuth tokens (Fernet, keyed from the secret key)."""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from followup.errors import FollowupError

# A fixed info string separates this key from any other key derived from the same secret.
_HKDF_INFO = b"followup/secrets/v1"


class SecretDecryptionError(FollowupError, ValueError):
    """The stored secret cannot be decrypted: the secret key changed or the data is corrupt."""


def _fernet(secret_key: str) -> Fernet:
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO).derive(
        secret_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(raw))


def is_encrypted(stored: str) -> bool:
    """True for a value `encrypt_secret` made (a Fernet token: version byte 0x80, base64)."""
    return stored.startswith("gAAAAA")


def encrypt_secret(secret_key: str, plaintext: str) -> str:
    return _fernet(secret_key).encrypt(plaintext.encode()).decode("ascii")


def decrypt_secret(secret_key: str, token: str, *, ttl: int | None = None) -> str:
    """The plaintext; with `ttl`, only of a token made at most that many seconds ago."""
    try:
        return _fernet(secret_key).decrypt(token.encode("ascii"), ttl=ttl).decode()
    except InvalidToken:
        raise SecretDecryptionError(
            "stored secret cannot be decrypted (was FOLLOWUP_SECRET_KEY changed?)"
        ) from None
