"""Field-key rotation, and how personal values in the audit log expire: crypto-shredding.

The audit log is append-only and hash-chained; personal values in its ``changes`` are stored
as ciphertext (``<key id>$...``) and the hash covers that ciphertext. So a personal value in
an old entry is expired by destroying the key it was encrypted with, never by editing the
entry: the chain stays verifiable, the entry keeps who did what when, and the values become
unreadable (the audit views already show "****" for a token whose key is gone).

The cycle, e.g. once a year (README "Data retention"):

1. ``fangkong rotate-field-key``: a new key becomes current and every live encrypted field of
   every model is re-encrypted with it; from then on only audit entries use the old key.
2. Once the newest audit entry holding the old key is older than
   ``FANGKONG_AUDIT_PERSONAL_DAYS`` (default 730), ``fangkong retire-field-key ID`` deletes the
   key from ``var/secrets.json``. ``purge-expired --dry-run`` says when that is.

Backups made before retirement still hold the old values and the keys are kept apart from
them; retire the key from the key backup too (README).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connection, models, transaction
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from . import audit, crypto
from .models.audit import AuditAction, AuditEntry
from .personal import personal_fields

DEFAULT_AUDIT_PERSONAL_DAYS = 730


class FieldKeyError(Exception):
    """A rotation or retirement that cannot be done; the message is for the operator."""


def secrets_path() -> Path:
    return Path(settings.VAR_DIR) / "secrets.json"


def _load_file() -> dict:
    if os.environ.get("FANGKONG_SECRETS_JSON"):
        raise FieldKeyError(
            _("密钥来自环境变量 FANGKONG_SECRETS_JSON：请在那里修改密钥，本命令只修改 secrets.json")
        )
    return json.loads(secrets_path().read_text())


def _save_file(data: dict) -> None:
    path = secrets_path()
    tmp = path.with_name(path.name + ".new")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(data, fh)
    os.replace(tmp, path)
    settings.FANGKONG_FIELD_KEYS = data["FIELD_KEYS"]
    crypto.reset_caches()


def current_key_id() -> str:
    return max(settings.FANGKONG_FIELD_KEYS, key=int)


def personal_models() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if personal_fields(m)]


def append_only_models() -> list[type[models.Model]]:
    """Personal models whose rows are never updated (``append_only = True``: scans; on
    PostgreSQL a trigger refuses it): rotation cannot re-encrypt them, so their rows keep
    the old key until their retention period removes them."""
    return [m for m in personal_models() if getattr(m, "append_only", False)]


# --- where each key is used -------------------------------------------------------------


@dataclass
class KeyUse:
    key_id: str
    live_rows: int
    audit_entries: int
    newest_audit: dt.datetime | None


def _live_rows(key_id: str, among: list[type[models.Model]] | None = None) -> int:
    qn = connection.ops.quote_name
    total = 0
    with connection.cursor() as cursor:
        for model in personal_models() if among is None else among:
            cols = [f.column for f in personal_fields(model)]
            where = " OR ".join(f"{qn(c)} LIKE %s" for c in cols)
            cursor.execute(
                f"SELECT COUNT(*) FROM {qn(model._meta.db_table)} WHERE {where}",  # noqa: S608
                [f"{key_id}$%"] * len(cols),
            )
            total += cursor.fetchone()[0]
    return total


def _audit_with(key_id: str) -> models.QuerySet:
    # A token in the JSON text is ``"<id>$``; base64 never holds '"' or '$'.
    return AuditEntry.objects.annotate(_text=Cast("changes", models.TextField())).filter(
        _text__contains=f'"{key_id}$'
    )


def key_usage() -> list[KeyUse]:
    out = []
    for key_id in sorted(settings.FANGKONG_FIELD_KEYS, key=int):
        entries = _audit_with(key_id)
        newest = entries.order_by("-id").values_list("timestamp", flat=True).first()
        out.append(KeyUse(key_id, _live_rows(key_id), entries.count(), newest))
    return out


def audit_personal_days() -> int:
    return int(getattr(settings, "FANGKONG_AUDIT_PERSONAL_DAYS", DEFAULT_AUDIT_PERSONAL_DAYS))


def retirable_on(use: KeyUse) -> dt.date | None:
    """The first day the key may be retired (None: live rows still need it)."""
    if use.live_rows or use.key_id == current_key_id():
        return None
    if use.newest_audit is None:
        return timezone.localdate()
    newest = timezone.localtime(use.newest_audit).date()
    return newest + dt.timedelta(days=audit_personal_days() + 1)


# --- rotate and retire ------------------------------------------------------------------


def rotate_field_key(*, batch_size: int = 1000) -> tuple[str, dict[str, int]]:
    """Add a key, make it current, re-encrypt every live personal field with it."""
    data = _load_file()
    new_id = str(max(int(k) for k in data["FIELD_KEYS"]) + 1)
    data["FIELD_KEYS"][new_id] = base64.b64encode(secrets.token_bytes(32)).decode()
    _save_file(data)
    counts = {}
    kept = append_only_models()
    for model in personal_models():
        if model in kept:
            continue
        names = [f.name for f in personal_fields(model)]
        done, last = 0, None
        while True:
            with transaction.atomic():
                qs = model._default_manager.order_by("pk")
                if last is not None:
                    qs = qs.filter(pk__gt=last)
                rows = list(qs.only("pk", *names)[:batch_size])
                if not rows:
                    break
                # Saving re-encrypts with the current key; the plaintext does not change.
                model._default_manager.bulk_update(rows, names)
                audit.record(
                    None,
                    audit.Event(
                        action=AuditAction.UPDATE,
                        object_type=model._meta.label_lower,
                        object_repr=f"re-encrypted {len(rows)} with key {new_id}",
                        changes={"reencrypted": len(rows), "key": new_id},
                        reason="field key rotation",
                    ),
                )
            done += len(rows)
            last = rows[-1].pk
        counts[model._meta.label_lower] = done
    return new_id, counts


def retire_field_key(key_id: str, *, today: dt.date | None = None) -> None:
    """Delete a key whose only remaining use is audit entries past their retention."""
    key_id = str(key_id)
    if key_id not in settings.FANGKONG_FIELD_KEYS:
        raise FieldKeyError(_("没有编号为 %(k)s 的密钥") % {"k": key_id})
    if key_id == current_key_id():
        raise FieldKeyError(
            _("密钥 %(k)s 是当前密钥，不能停用；请先运行 fangkong rotate-field-key") % {"k": key_id}
        )
    use = next(u for u in key_usage() if u.key_id == key_id)
    appended = _live_rows(key_id, append_only_models())
    if use.live_rows and use.live_rows == appended:
        raise FieldKeyError(
            _(
                "还有 %(n)d 行%(what)s（只追加、不重新加密）使用密钥 %(k)s：它们过保存期限后"
                "由 fangkong purge-expired 删除，之后才能停用"
            )
            % {
                "n": appended,
                "what": "、".join(str(m._meta.verbose_name) for m in append_only_models()),
                "k": key_id,
            }
        )
    if use.live_rows:
        raise FieldKeyError(
            _("还有 %(n)d 行现有数据使用密钥 %(k)s，请先运行 fangkong rotate-field-key")
            % {"n": use.live_rows, "k": key_id}
        )
    day = retirable_on(use)
    if day is not None and day > (today or timezone.localdate()):
        raise FieldKeyError(
            _("审计日志中仍有未到保存期限的个人信息使用密钥 %(k)s，%(d)s 起才能停用")
            % {"k": key_id, "d": day.isoformat()}
        )
    data = _load_file()
    del data["FIELD_KEYS"][key_id]
    _save_file(data)
    audit.record(
        None,
        audit.Event(
            action=AuditAction.DELETE,
            object_type="core.fieldkey",
            object_id=key_id,
            object_repr=f"field key {key_id} retired",
            changes={"audit_entries_shredded": use.audit_entries},
            reason="audit personal data retention",
        ),
    )
