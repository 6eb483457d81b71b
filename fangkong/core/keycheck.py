"""The encryption keys must be the ones the database's personal fields were written with.

``settings.secrets`` makes new keys whenever ``var/secrets.json`` is missing: right on a fresh
installation, disastrous on one that holds data (the file left behind when the database was
copied to a new server, deleted by mistake, a wrong ``FANGKONG_SECRETS_JSON``). The new keys
read nothing: every page showing an ID number fails, and every record written from then on is
encrypted with keys the old file does not have, so putting the right file back later loses
those instead. So the first connection of each process decrypts one stored personal value
and, if that fails, closes the connection and stops with the operator's message before
anything is read or written (and removes a key file it has just made, which encrypted nothing).
"""

from __future__ import annotations

import contextlib
import os

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from fangkong.settings import secrets as secrets_file

from . import crypto
from .personal import personal_fields

_checked: set[str] = set()


class KeyMismatchError(ImproperlyConfigured):
    """The configured keys cannot read the database's personal fields."""


def skip_for_this_process(connection) -> None:
    """``fangkong restore --force`` replaces the data the keys would be checked against."""
    _checked.add(_name(connection))


def _name(connection) -> str:
    return f"{connection.alias}:{connection.settings_dict['NAME']}"


def _stored_token(connection) -> str | None:
    """One non-empty encrypted value of any personal field, or None (a new database)."""
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        tables = set(connection.introspection.table_names(cursor))
        for model in apps.get_models():
            if model._meta.db_table not in tables:
                continue
            for field in personal_fields(model):
                cursor.execute(
                    f"SELECT {qn(field.column)} FROM {qn(model._meta.db_table)} "  # noqa: S608
                    f"WHERE {qn(field.column)} <> '' LIMIT 1"
                )
                row = cursor.fetchone()
                if row:
                    return row[0]
    return None


def _readable(token: str) -> bool:
    try:
        crypto.decrypt(token)
    except Exception:  # an unknown key id, a wrong key, a damaged value
        return False
    return True


def check_keys_on_connect(sender, connection, **kwargs) -> None:
    name = _name(connection)
    if name in _checked:
        return
    token = _stored_token(connection)
    if token is None or _readable(token):
        _checked.add(name)
        return
    connection.close()  # the next request must not find it open and skip this check
    raise KeyMismatchError(_message())


def _message() -> str:
    if os.environ.get("FANGKONG_SECRETS_JSON"):
        return _(
            "加密密钥与数据库不符：数据库中的个人信息无法用 FANGKONG_SECRETS_JSON 中的密钥解密。"
            "请在该环境变量中填写写入这些数据时的密钥（与备份分开保存的 secrets.json 的内容）。"
            "在此之前不读写任何数据，以免新旧密钥加密的数据混在一起。"
        )
    path = secrets_file.created_path()
    if path is not None:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        return _(
            "找不到加密密钥文件 %(path)s，但数据库中已有用原密钥加密的个人信息，新生成的密钥"
            "无法读取（新生成的密钥文件已删除）。请把原来的 secrets.json（与备份分开保存的那份）"
            "放回 %(path)s 后再运行。"
        ) % {"path": path}
    return _(
        "加密密钥与数据库不符：数据库中的个人信息无法用 %(path)s 中的密钥解密。请放回写入这些"
        "数据时的 secrets.json（与备份分开保存的那份）。在此之前不读写任何数据，以免新旧密钥"
        "加密的数据混在一起。"
    ) % {"path": os.path.join(settings.VAR_DIR, "secrets.json")}
