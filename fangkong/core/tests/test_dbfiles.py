"""The embedded database is readable by the platform's user only; a new var/ is private."""

import os
import stat

import pytest
from django.db import connections
from django.db.backends.sqlite3.base import DatabaseWrapper

from fangkong.core import dbfiles


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.django_db
def test_a_readable_sqlite_file_and_its_wal_are_made_private(tmp_path):
    name = tmp_path / "fangkong.sqlite3"
    for path in (name, tmp_path / "fangkong.sqlite3-wal"):
        path.write_bytes(b"")
        os.chmod(path, 0o644)
    settings = connections["default"].settings_dict | {
        "NAME": str(name),
        "ENGINE": "django.db.backends.sqlite3",
        "OPTIONS": {},
    }
    wrapper = DatabaseWrapper(settings, alias="private-test")
    dbfiles._done.discard(str(name))
    wrapper.connect()
    try:
        assert _mode(name) == 0o600
        assert _mode(tmp_path / "fangkong.sqlite3-wal") == 0o600
    finally:
        wrapper.close()


def test_a_new_var_directory_is_private(tmp_path):
    from fangkong.settings.secrets import load_secrets

    var = tmp_path / "var"
    load_secrets(var)
    assert _mode(var) == 0o700
    assert _mode(var / "secrets.json") == 0o600
