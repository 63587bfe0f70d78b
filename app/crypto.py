"""Secrets at rest (shop API tokens, OAuth tokens, webhook keys): Fernet with key rotation.

Keys come from TOKEN_ENCRYPTION_KEYS (comma-separated, newest first; MultiFernet decrypts with any and
encrypts with the first, and `rotate()` re-encrypts old values). Local runs without the variable keep a
generated key in var/; production refuses to start without one (app/config.py).
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app


class SecretDecryptionError(RuntimeError):
    """A stored secret cannot be decrypted with any configured key."""


def _fernet() -> MultiFernet:
    cached = current_app.extensions.get("hub_fernet")
    if cached is None:
        raw = current_app.config.get("TOKEN_ENCRYPTION_KEYS") or ""
        keys = [k.strip() for k in raw.split(",") if k.strip()]
        if not keys:  # a local run: production has keys (Config refuses to load without them)
            from app.embedded import local_encryption_key

            keys = [local_encryption_key()]
        cached = MultiFernet([Fernet(k) for k in keys])
        current_app.extensions["hub_fernet"] = cached
    return cached


def encrypt(plaintext: str) -> bytes:
    return _fernet().encrypt(plaintext.encode())


def decrypt(token: bytes | None) -> str | None:
    if token is None:
        return None
    try:
        return _fernet().decrypt(bytes(token)).decode()
    except InvalidToken as exc:
        raise SecretDecryptionError("A stored secret cannot be decrypted: is TOKEN_ENCRYPTION_KEYS missing the key "
                                    "it was encrypted with?") from exc
