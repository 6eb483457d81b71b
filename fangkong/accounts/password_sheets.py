"""The sheet of initial passwords an accounts import hands over (登录名, 姓名, 初始密码).

Only the hashes are kept in the database. The web import's sheet waits for its one download
encrypted with the field key (``core.crypto``) under the upload folder, and is deleted as it
is served; the command line writes it to the file its operator names, readable by them alone.
"""

from __future__ import annotations

import base64
import io
import os
import re
import uuid
from pathlib import Path

import xlsxwriter
from django.utils.translation import gettext as _

from fangkong.core import crypto

_TOKEN = re.compile(r"^[0-9a-f]{32}$")


def workbook(rows: list[tuple[str, str, str]]) -> bytes:
    """``(username, full_name, password)`` rows as an .xlsx, every cell text."""
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    sheet = book.add_worksheet(_("初始密码"))
    for i, title in enumerate([_("登录名"), _("姓名"), _("初始密码")]):
        sheet.write_string(0, i, title, head)
        sheet.set_column(i, i, 20)
    for n, row in enumerate(rows, start=1):
        for i, value in enumerate(row):
            sheet.write_string(n, i, value)
    note = len(rows) + 2
    sheet.write_string(
        note, 0, _("请将初始密码分别交给本人；首次登录后须修改密码。本表只能下载一次，请妥善保管。")
    )
    book.close()
    return buf.getvalue()


def _folder() -> Path:
    from fangkong.core.jobs import upload_dir

    return upload_dir() / "passwords"


def _path(token: str) -> Path | None:
    return _folder() / token if isinstance(token, str) and _TOKEN.match(token) else None


def path_of(token: str) -> Path:
    """Where the sheet named ``token`` waits (a valid token: ``store``'s)."""
    path = _path(token)
    if path is None:
        raise ValueError("not a password-sheet token")
    return path


def store(data: bytes) -> str:
    """Keep ``data`` encrypted until its one download; returns the token naming it."""
    folder = _folder()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    token = uuid.uuid4().hex
    text = crypto.encrypt(base64.b64encode(data).decode())
    write_private(folder / token, text.encode())
    return token


def available(token: str) -> bool:
    path = _path(token)
    return path is not None and path.is_file()


def take(token: str) -> bytes | None:
    """The stored sheet, deleted as it is read; ``None`` if it was taken already."""
    path = _path(token)
    if path is None:
        return None
    claimed = path.with_name(f"{token}.taken")
    try:
        os.replace(path, claimed)  # two clicks at once: one of them gets it
    except FileNotFoundError:
        return None
    try:
        return base64.b64decode(crypto.decrypt(claimed.read_text()))
    finally:
        claimed.unlink(missing_ok=True)


def write_private(path: Path, data: bytes) -> None:
    """Write a new file readable by its owner alone; refuses to overwrite one."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
