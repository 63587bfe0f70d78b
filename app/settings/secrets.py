"""Secret settings at rest: the stored value (in the database and in the Redis cache) is a Fernet token.

Only `reveal()` turns it back into the secret, for the code that uses it (e.g. calling a translation API);
pages, the audit log and the CLI show `registry.shown()` instead.
"""

from __future__ import annotations

from app.crypto import decrypt, encrypt
from app.settings.registry import definition


def seal(plaintext: str) -> str:
    """What is stored for a secret: "" stays "" (not set)."""
    return encrypt(plaintext).decode() if plaintext else ""


def unseal(stored: object) -> str:
    return decrypt(str(stored).encode()) if stored else ""


def reveal(values: dict[str, object], key: str) -> str:
    """The plaintext of secret `key` from a values dict (settings_cache().values(...)); "" when not set."""
    if not definition(key).secret:
        raise ValueError(f"{key} is not a secret setting; read it from the values directly.")
    return unseal(values.get(key))
