"""Encryption of personal fields at rest and blind indexes for lookup without decrypting.

Values are AES-256-GCM encrypted with a random nonce; the stored token is
``<key id>$<base64(nonce + ciphertext)>`` so keys can be rotated. Blind indexes are
HMAC-SHA256 over a normalised value, truncated to 128 bits, hex-encoded.
"""

from __future__ import annotations

import base64
import hmac
import os
from collections.abc import Callable
from functools import cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

_NONCE = 12


@cache
def _keys() -> tuple[str, dict[str, AESGCM]]:
    raw = settings.FANGKONG_FIELD_KEYS
    keys = {kid: AESGCM(base64.b64decode(k)) for kid, k in raw.items()}
    current = max(raw, key=int)
    return current, keys


@cache
def _index_key() -> bytes:
    return base64.b64decode(settings.FANGKONG_INDEX_KEY)


def encrypt(value: str | None) -> str | None:
    if value is None or value == "":
        return value
    kid, keys = _keys()
    nonce = os.urandom(_NONCE)
    ct = keys[kid].encrypt(nonce, value.encode(), None)
    return f"{kid}${base64.b64encode(nonce + ct).decode()}"


def encryptor(pool: int = 4096) -> Callable[[str | None], str | None]:
    """``encrypt`` for many values in a row (imports): the current key bound once and nonces
    cut from one ``os.urandom`` read of ``pool`` nonces at a time (each used once)."""
    kid, keys = _keys()
    aes, prefix, b64 = keys[kid], f"{kid}$", base64.b64encode
    nonces: list[bytes] = []

    def encrypt_value(value: str | None) -> str | None:
        if value is None or value == "":
            return value
        if not nonces:
            block = os.urandom(_NONCE * pool)
            nonces.extend(block[i : i + _NONCE] for i in range(0, len(block), _NONCE))
            nonces.reverse()
        nonce = nonces.pop()
        return prefix + b64(nonce + aes.encrypt(nonce, value.encode(), None)).decode()

    return encrypt_value


def decrypt(token: str | None) -> str | None:
    if token is None or token == "":
        return token
    kid, _, body = token.partition("$")
    data = base64.b64decode(body)
    return _keys()[1][kid].decrypt(data[:_NONCE], data[_NONCE:], None).decode()


def blind_index(value: str | None, *, purpose: str) -> str | None:
    """Keyed hash of a normalised value; ``purpose`` separates e.g. ID numbers from phones."""
    if not value:
        return None
    # ``hmac.digest``: OpenSSL's one-shot HMAC, without building an ``hmac.HMAC`` object.
    return hmac.digest(_index_key(), f"{purpose}:{value}".encode(), "sha256")[:16].hex()


def reset_caches() -> None:
    _keys.cache_clear()
    _index_key.cache_clear()
