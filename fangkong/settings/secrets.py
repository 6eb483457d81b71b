"""Secrets and encryption keys: from the environment, else generated once into ``var/``.

The file is created with owner-only permissions and never committed. Losing it makes the
encrypted personal fields unreadable; ``fangkong backup`` deliberately leaves it out (a backup
with its keys exposes every ID number), so back it up separately (README "Backup and restore").
"""

import base64
import contextlib
import json
import os
import secrets
from pathlib import Path


def _new_secrets() -> dict:
    return {
        "SECRET_KEY": secrets.token_urlsafe(50),
        # AES-256-GCM keys by key id; the first is used for new values.
        "FIELD_KEYS": {"1": base64.b64encode(secrets.token_bytes(32)).decode()},
        # HMAC-SHA256 key for blind indexes (search and de-duplication without decrypting).
        "INDEX_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
    }


def load_secrets(var_dir: Path) -> dict:
    env = os.environ.get("FANGKONG_SECRETS_JSON")
    if env:
        return json.loads(env)
    path = var_dir / "secrets.json"
    if not path.exists():
        _create(path)
    return json.loads(path.read_text())


def _create(path: Path) -> None:
    """Write new secrets to ``path`` unless another process got there first. Processes that
    start together on a fresh installation (a server's workers, a worker and a command) must
    all end up with the same keys, whole: each writes its own file and links it into place,
    which fails when one is already there, so the first complete file wins and nobody reads
    a half-written one."""
    # A new var/ is the platform's alone: database, keys, uploads and exports live there.
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as fh:
            json.dump(_new_secrets(), fh)
            fh.flush()
            os.fsync(fh.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
    finally:
        tmp.unlink()
