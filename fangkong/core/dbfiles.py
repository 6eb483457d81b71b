"""The embedded database's files are readable by the platform's own user only.

SQLite creates its file with the process's umask (usually 0644: every account on the machine
could copy the whole registry, ciphertexts and blind indexes included) and gives its -wal and
-shm files the database file's mode. So the first connection of each process takes group and
other bits off the three files; the keys beside them are 0600 already (``settings.secrets``).
"""

from __future__ import annotations

import contextlib
import os
import stat

_done: set[str] = set()


def keep_sqlite_private(sender, connection, **kwargs) -> None:
    if connection.vendor != "sqlite":
        return
    name = str(connection.settings_dict["NAME"])
    if name in _done or name == ":memory:" or name.startswith("file:"):
        return
    for path in (name, f"{name}-wal", f"{name}-shm"):
        with contextlib.suppress(FileNotFoundError):
            mode = stat.S_IMODE(os.stat(path).st_mode)
            if mode & 0o077:
                os.chmod(path, mode & 0o700)
    _done.add(name)
