"""``fangkong backup`` / ``fangkong restore``: one file holding the whole database.

The file is a tar archive with ``manifest.json`` (format, database vendor, time, the
fingerprint of the encryption keys, row counts per table) and the database itself:

- SQLite: a copy made with SQLite's online backup API (``sqlite3.Connection.backup``), which
  is consistent while the server and the worker keep writing;
- PostgreSQL: ``pg_dump -Fc`` (one consistent snapshot), restored with ``pg_restore`` in a
  single transaction.

The encryption keys (``var/secrets.json``) are deliberately NOT in the backup: a backup
travels (USB stick, another office, the archive room) and whoever holds data and keys
together can read every ID number. Keep the key file apart (see README "Backup and
restore"). Restoring needs the same keys, so the manifest holds their fingerprint and restore
refuses a mismatch instead of producing a database whose personal fields cannot be read.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.settings import secrets as secrets_file

FORMAT = "fangkong-backup/1"
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database.sqlite3"
PG_MEMBER = "database.pgdump"


class BackupError(Exception):
    """A backup or restore that cannot be done; the message is for the operator."""


# --- what the database holds --------------------------------------------------------------


def key_fingerprint() -> str:
    """SHA-256 over the field and index keys: equal fingerprints, same keys."""
    material = json.dumps(
        {"field": settings.FANGKONG_FIELD_KEYS, "index": settings.FANGKONG_INDEX_KEY},
        sort_keys=True,
    ).encode()
    return hashlib.sha256(b"fangkong-keys:" + material).hexdigest()


def model_tables() -> list[tuple[str, str]]:
    """(table, primary-key column) of every concrete table of every installed model,
    auto-created many-to-many tables included, so apps that land later are covered."""
    seen, out = set(), []
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.proxy or not meta.managed or meta.db_table in seen:
            continue
        seen.add(meta.db_table)
        # A composite key (scans: time + client id) orders by all of its columns.
        pk = meta.pk.column or ",".join(f.column for f in meta.pk_fields)
        out.append((meta.db_table, pk))
    return sorted(out)


def _existing_tables(alias: str = DEFAULT_DB_ALIAS) -> set[str]:
    connection = connections[alias]
    with connection.cursor() as cursor:
        return set(connection.introspection.table_names(cursor))


def table_digests(alias: str = DEFAULT_DB_ALIAS) -> dict[str, tuple[int, str]]:
    """``{table: (row count, SHA-256 over every row in key order)}`` for every model table.

    Raw column values are hashed (ciphertext as stored), so two databases match only if
    every row of every model is byte-for-byte the same.
    """
    connection = connections[alias]
    qn = connection.ops.quote_name
    existing = _existing_tables(alias)
    out = {}
    with connection.cursor() as cursor:
        for table, pk in model_tables():
            if table not in existing:
                continue
            order = ", ".join(qn(column) for column in pk.split(","))
            cursor.execute(f"SELECT * FROM {qn(table)} ORDER BY {order}")  # noqa: S608
            h, n = hashlib.sha256(), 0
            for row in cursor.fetchall():
                h.update(repr(tuple(_plain(v) for v in row)).encode())
                n += 1
            out[table] = (n, h.hexdigest())
    return out


def _plain(value):
    if isinstance(value, memoryview):
        return bytes(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def row_counts(alias: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    connection = connections[alias]
    qn = connection.ops.quote_name
    existing = _existing_tables(alias)
    with connection.cursor() as cursor:
        out = {}
        for table, _pk in model_tables():
            if table in existing:
                cursor.execute(f"SELECT COUNT(*) FROM {qn(table)}")  # noqa: S608
                out[table] = cursor.fetchone()[0]
    return out


def holds_data(alias: str = DEFAULT_DB_ALIAS) -> bool:
    """True once anyone used the database: a user or an audit entry exists.

    A freshly migrated database (tables, content types, seeded reference rows) counts as
    empty; anything a person did leaves a user or an audit entry behind.
    """
    from django.contrib.auth import get_user_model

    from fangkong.core.models import AuditEntry

    existing = _existing_tables(alias)
    for model in (get_user_model(), AuditEntry):
        if model._meta.db_table in existing and model.objects.using(alias).exists():
            return True
    return False


# --- PostgreSQL client binaries ------------------------------------------------------------


def find_pg_binary(name: str) -> Path:
    """``pg_dump``/``pg_restore``: the newest Debian server bindir first, then PATH."""
    from fangkong.core.testing.postgres import find_bindir

    candidates = []
    bindir = find_bindir()
    if bindir is not None:
        candidates.append(bindir / name)
    found = shutil.which(name)
    if found:
        candidates.append(Path(found))
    for path in candidates:
        if path.is_file() and os.access(path, os.X_OK):
            return path
    raise BackupError(
        _("找不到 PostgreSQL 客户端程序 %(name)s：请安装 postgresql-client（与服务器同版本或更新）")
        % {"name": name}
    )


def binary_major(path: Path) -> int:
    out = subprocess.run(  # noqa: S603 - a PostgreSQL binary we located
        [str(path), "--version"], capture_output=True, text=True, check=True
    )
    match = re.search(r"(\d+)(?:\.\d+)?", out.stdout)
    if not match:
        raise BackupError(_("无法识别 %(p)s 的版本") % {"p": path})
    return int(match.group(1))


def server_major(alias: str = DEFAULT_DB_ALIAS) -> int:
    with connections[alias].cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        return int(cursor.fetchone()[0]) // 10000


def _pg_env(alias: str) -> tuple[list[str], dict[str, str]]:
    """Connection arguments and environment (the password goes in PGPASSWORD, never argv)."""
    s = connections[alias].settings_dict
    args = ["--dbname", s["NAME"], "--no-password"]
    if s.get("HOST"):
        args += ["--host", str(s["HOST"])]
    if s.get("PORT"):
        args += ["--port", str(s["PORT"])]
    if s.get("USER"):
        args += ["--username", s["USER"]]
    env = {**os.environ}
    if s.get("PASSWORD"):
        env["PGPASSWORD"] = s["PASSWORD"]
    return args, env


def _run(args: list[str], env: dict[str, str], what: str) -> None:
    result = subprocess.run(args, env=env, capture_output=True, text=True)  # noqa: S603
    if result.returncode != 0:
        # pg_dump/pg_restore messages name objects, not row values.
        raise BackupError(
            _("%(what)s 失败（退出码 %(code)d）：%(err)s")
            % {"what": what, "code": result.returncode, "err": result.stderr.strip()[-1500:]}
        )


# --- backup ----------------------------------------------------------------------------------


@dataclass
class BackupInfo:
    path: Path
    manifest: dict


def default_backup_path() -> Path:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    return Path(settings.VAR_DIR) / "backups" / f"fangkong-{stamp}.backup"


def backup(output: Path | None = None, *, alias: str = DEFAULT_DB_ALIAS) -> BackupInfo:
    """Write the database to ``output`` (atomically, owner-only); returns what it wrote."""
    connection = connections[alias]
    output = _output_path(output)
    manifest = {
        "format": FORMAT,
        "vendor": connection.vendor,
        "created_at": timezone.now().isoformat(),
        "key_fingerprint": key_fingerprint(),
        "row_counts": row_counts(alias),
    }
    with tempfile.TemporaryDirectory(prefix="fangkong-backup-") as tmp:
        tmp = Path(tmp)
        if connection.vendor == "sqlite":
            member, data = SQLITE_MEMBER, tmp / SQLITE_MEMBER
            _sqlite_backup(alias, data)
        elif connection.vendor == "postgresql":
            member, data = PG_MEMBER, tmp / PG_MEMBER
            manifest["pg_dump_major"] = _pg_dump(alias, data)
        else:
            raise BackupError(_("不支持的数据库：%(v)s") % {"v": connection.vendor})
        partial = output.with_name(output.name + ".partial")
        try:
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as fh, tarfile.open(fileobj=fh, mode="w:gz") as tar:
                raw = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mode = len(raw), 0o600
                tar.addfile(info, io.BytesIO(raw))
                tar.add(data, arcname=member)
            os.replace(partial, output)
        except BaseException as exc:
            # Ctrl-C, a full disk, a USB stick pulled out: no half-written file left to be
            # mistaken for a backup (or to hold half the registry where nobody looks).
            with contextlib.suppress(OSError):
                partial.unlink()
            if isinstance(exc, OSError):
                raise BackupError(
                    _("无法写入备份文件 %(f)s：%(err)s") % {"f": output, "err": exc.strerror}
                ) from None
            raise
    return BackupInfo(output, manifest)


def _output_path(output: Path | None) -> Path:
    """Where to write: the default under var/backups/ (made if missing), a file named by
    the operator, or the default name in a folder named by the operator. A named folder
    must exist: ``--output /media/usb/fk.backup`` with the stick not mounted would otherwise
    land on the server's own disk and be reported as done."""
    if output is None:
        path = default_backup_path()
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        return path
    output = Path(output)
    if output.is_dir():
        return output / default_backup_path().name
    if not output.parent.is_dir():
        raise BackupError(
            _("目录 %(d)s 不存在（U 盘或网络盘是否已挂载？），未备份") % {"d": output.parent}
        )
    return output


def _sqlite_backup(alias: str, target: Path) -> None:
    connection = connections[alias]
    connection.ensure_connection()
    dst = sqlite3.connect(target)
    try:
        # Copies page by page while others write; the result is one consistent snapshot.
        connection.connection.backup(dst, pages=4096)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
    finally:
        dst.close()


def _pg_dump(alias: str, target: Path) -> int:
    pg_dump = find_pg_binary("pg_dump")
    major, server = binary_major(pg_dump), server_major(alias)
    if major < server:
        raise BackupError(
            _(
                "pg_dump 版本 %(c)d 低于数据库服务器版本 %(s)d，无法备份："
                "请安装 %(s)d 或更新版本的客户端"
            )
            % {"c": major, "s": server}
        )
    args, env = _pg_env(alias)
    _run(
        [
            str(pg_dump),
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            "--file",
            str(target),
            *args,
        ],
        env,
        "pg_dump",
    )
    return major


# --- restore ---------------------------------------------------------------------------------


@contextlib.contextmanager
def _opened(path: Path) -> Iterator[tuple[dict, tarfile.TarFile]]:
    try:
        tar = tarfile.open(path, mode="r:gz")  # noqa: SIM115 - closed by the with below
    except (OSError, tarfile.TarError):
        raise BackupError(_("%(f)s 不是防控平台的备份文件或已损坏") % {"f": path.name}) from None
    with tar:
        try:
            manifest = json.load(tar.extractfile(MANIFEST))
        except (KeyError, ValueError, AttributeError):
            raise BackupError(
                _("%(f)s 不是防控平台的备份文件或已损坏") % {"f": path.name}
            ) from None
        if manifest.get("format") != FORMAT:
            raise BackupError(
                _("备份文件格式 %(f)s 不受本版本支持") % {"f": manifest.get("format")}
            )
        yield manifest, tar


def read_manifest(path: Path) -> dict:
    with _opened(Path(path)) as (manifest, _tar):
        return manifest


def restore(path: Path, *, force: bool = False, alias: str = DEFAULT_DB_ALIAS) -> dict:
    """Replace the database with the backup at ``path``; returns the manifest.

    Refuses when the keys differ from the backup's, when the database vendor differs, and
    when the database already holds data unless ``force``.
    """
    path = Path(path)
    if not path.is_file():
        raise BackupError(_("备份文件不存在：%(f)s") % {"f": path})
    connection = connections[alias]
    with _opened(path) as (manifest, tar):
        if manifest["key_fingerprint"] != key_fingerprint():
            # Keys this very run generated (no secrets.json on a fresh machine) encrypted
            # nothing: leave the folder as it was, for the original file to be put back.
            made = secrets_file.created_path()
            if made is not None:
                made.unlink(missing_ok=True)
            raise BackupError(
                _(
                    "本机的加密密钥与备份时不同，恢复后身份证号、电话等个人信息将无法读取，"
                    "因此拒绝恢复。请先把备份时的密钥文件 secrets.json 放回 var/ 目录"
                    "（或设置 FANGKONG_SECRETS_JSON），再运行恢复。"
                )
            )
        if manifest["vendor"] != connection.vendor:
            raise BackupError(
                _("备份来自 %(a)s 数据库，当前是 %(b)s 数据库，无法直接恢复")
                % {"a": manifest["vendor"], "b": connection.vendor}
            )
        if not force and holds_data(alias):
            raise BackupError(
                _("当前数据库中已有数据，恢复会覆盖全部内容。确认无误后加 --force 再运行。")
            )
        with tempfile.TemporaryDirectory(prefix="fangkong-restore-") as tmp:
            member = SQLITE_MEMBER if connection.vendor == "sqlite" else PG_MEMBER
            try:
                tar.extract(member, tmp, filter="data")
            except KeyError:
                raise BackupError(_("%(f)s 不完整：缺少数据库内容") % {"f": path.name}) from None
            data = Path(tmp) / member
            if connection.vendor == "sqlite":
                _sqlite_restore(alias, data)
            else:
                _pg_restore(alias, data, manifest)
    counts = row_counts(alias)
    wrong = {t: (n, counts.get(t)) for t, n in manifest["row_counts"].items() if counts.get(t) != n}
    if wrong:
        raise BackupError(_("恢复后行数与备份不符：%(t)s") % {"t": ", ".join(sorted(wrong))})
    return manifest


def _sqlite_restore(alias: str, source: Path) -> None:
    connection = connections[alias]
    connection.ensure_connection()
    src = sqlite3.connect(source)
    try:
        # The backup API writes the whole snapshot into the live database in one step.
        src.backup(connection.connection)
    finally:
        src.close()
    connection.close()


def _pg_restore(alias: str, source: Path, manifest: dict) -> None:
    pg_restore = find_pg_binary("pg_restore")
    major = binary_major(pg_restore)
    if major < int(manifest.get("pg_dump_major", 0)):
        raise BackupError(
            _(
                "备份由 pg_dump %(d)s 生成，本机 pg_restore 版本 %(r)d 太旧："
                "请安装同版本或更新的客户端"
            )
            % {"d": manifest.get("pg_dump_major"), "r": major}
        )
    args, env = _pg_env(alias)
    # An empty schema instead of ``--clean``: pg_restore cannot drop the inherited keys of a
    # partitioned table's partitions (scans) one by one. The schema it replaces is set aside
    # under another name until the restore is in, and put back if it fails or is interrupted:
    # a restore never leaves an empty database behind.
    _put_back_set_aside(alias)
    with connections[alias].cursor() as cursor:
        cursor.execute(f"ALTER SCHEMA public RENAME TO {SET_ASIDE_SCHEMA}")
        cursor.execute("CREATE SCHEMA public")
    connections[alias].close()
    try:
        _run(
            [
                str(pg_restore),
                *("--single-transaction", "--exit-on-error"),
                *("--no-owner", "--no-privileges"),
                *args,
                str(source),
            ],
            env,
            "pg_restore",
        )
    except BaseException:
        _put_back_set_aside(alias)
        raise
    with connections[alias].cursor() as cursor:
        cursor.execute(f"DROP SCHEMA {SET_ASIDE_SCHEMA} CASCADE")
    connections[alias].close()


# Where a PostgreSQL restore keeps the schema it replaces until the new one is in.
SET_ASIDE_SCHEMA = "fangkong_before_restore"


def _put_back_set_aside(alias: str) -> None:
    """The schema an unfinished restore set aside (killed outright, the machine stopped)
    becomes ``public`` again, in place of whatever that restore left there."""
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [SET_ASIDE_SCHEMA])
        if cursor.fetchone():
            cursor.execute("DROP SCHEMA IF EXISTS public CASCADE")
            cursor.execute(f"ALTER SCHEMA {SET_ASIDE_SCHEMA} RENAME TO public")
    connections[alias].close()
