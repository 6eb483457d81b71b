"""Initial passwords handed to a new account's holder (or after a reset)."""

from __future__ import annotations

import secrets

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

# No 0/O, 1/l/I: read aloud over the phone or copied from paper without mistakes.
_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def generate_password(user) -> str:
    """Twelve random letters and digits in groups of four, checked by the site's validators."""
    while True:
        raw = "".join(secrets.choice(_ALPHABET) for _ in range(12))
        password = f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"
        try:
            validate_password(password, user)
        except ValidationError:
            continue
        return password
