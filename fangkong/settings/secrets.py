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

from django.core.exceptions import ImproperlyConfigured

# The file this process made (None: read an existing one, or keys from the environment).
_created: Path | None = None


def created_path() -> Path | None:
    return _created


def _new_secrets() -> dict:
    return {
        "SECRET_KEY": secrets.token_urlsafe(50),
        # AES-256-GCM keys by key id; the first is used for new values.
        "FIELD_KEYS": {"1": base64.b64encode(secrets.token_bytes(32)).decode()},
        # HMAC-SHA256 key for blind indexes (search and de-duplication without decrypting).
        "INDEX_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
    }


_KEYS = ("SECRET_KEY", "FIELD_KEYS", "INDEX_KEY")


def load_secrets(var_dir: Path) -> dict:
    """The secrets, or ImproperlyConfigured with the operator's message (bilingual: settings
    load before the translations can)."""
    env = os.environ.get("FANGKONG_SECRETS_JSON")
    if env:
        return _checked(_parsed(env, "FANGKONG_SECRETS_JSON"), "FANGKONG_SECRETS_JSON")
    path = var_dir / "secrets.json"
    try:
        if not path.exists():
            _create(path)
        text = path.read_text()
    except OSError as exc:
        raise ImproperlyConfigured(
            f"无法读取或创建加密密钥文件 {path}（{exc.strerror}）：请检查 FANGKONG_VAR_DIR "
            f"是否存在、可写，并用运行平台的系统账号执行。 / Cannot read or create the key "
            f"file {path} ({exc.strerror}): check FANGKONG_VAR_DIR and run as the platform's "
            f"own user."
        ) from None
    return _checked(_parsed(text, str(path)), str(path))


def _parsed(text: str, source: str) -> dict:
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise ImproperlyConfigured(
            f"加密密钥 {source} 不是有效的 JSON（文件可能已损坏或被截断）：请换回完好的那份"
            f"（与备份分开保存的 secrets.json）。 / The keys in {source} are not valid JSON: "
            f"put back an intact copy of secrets.json."
        )
    return data


def _checked(data: dict, source: str) -> dict:
    missing = [k for k in _KEYS if not data.get(k)]
    if missing:
        names = ", ".join(missing)
        raise ImproperlyConfigured(
            f"加密密钥 {source} 缺少 {names}：请换回完好的那份（与备份分开保存的 "
            f"secrets.json）。 / The keys in {source} lack {names}: put back an intact copy."
        )
    return data


def _create(path: Path) -> None:
    """Write new secrets to ``path`` unless another process got there first. Processes that
    start together on a fresh installation (a server's workers, a worker and a command) must
    all end up with the same keys, whole: each writes its own file and links it into place,
    which fails when one is already there, so the first complete file wins and nobody reads
    a half-written one."""
    global _created
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
            _created = path
    finally:
        tmp.unlink()
