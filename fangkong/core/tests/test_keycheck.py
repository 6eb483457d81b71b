"""Keys that cannot read the database stop every process before it reads or writes: a
missing secrets.json on a server holding data used to be replaced by new keys in silence,
after which every personal value failed to decrypt and new records were written with keys
the original file does not have."""

import base64
import json
import os
import subprocess
import sys

import pytest
from django.db import connection

from fangkong.core import crypto, keycheck
from fangkong.core.testing.factories import make_residents
from fangkong.settings import secrets as secrets_file

OTHER_KEYS = {"1": base64.b64encode(b"k" * 32).decode()}


@pytest.fixture
def fresh_process(monkeypatch):
    """As the first connection of a new process: nothing checked yet."""
    monkeypatch.setattr(keycheck, "_checked", set())
    yield
    crypto.reset_caches()


@pytest.fixture
def resident_then_other_keys(users, areas, settings, fresh_process):
    """A resident written with the installation's keys, then keys that cannot read it."""
    make_residents(users["command"], areas["grid_a"], 1)
    settings.FANGKONG_FIELD_KEYS = OTHER_KEYS
    crypto.reset_caches()


def test_the_keys_that_wrote_the_data_pass_and_are_checked_once(
    users, areas, fresh_process, django_assert_num_queries
):
    make_residents(users["command"], areas["grid_a"], 1)
    keycheck.check_keys_on_connect(None, connection)
    with django_assert_num_queries(0):
        keycheck.check_keys_on_connect(None, connection)


def test_an_empty_database_passes_with_any_keys(db, settings, fresh_process):
    settings.FANGKONG_FIELD_KEYS = OTHER_KEYS
    crypto.reset_caches()
    keycheck.check_keys_on_connect(None, connection)
    assert keycheck._name(connection) in keycheck._checked


def test_other_keys_stop_with_a_chinese_message_and_close_the_connection(
    resident_then_other_keys, monkeypatch, settings, tmp_path
):
    settings.VAR_DIR = tmp_path
    monkeypatch.delenv("FANGKONG_SECRETS_JSON", raising=False)
    monkeypatch.setattr(secrets_file, "_created", None)
    closed = []
    monkeypatch.setattr(connection, "close", lambda: closed.append(True))
    with pytest.raises(keycheck.KeyMismatchError) as exc:
        keycheck.check_keys_on_connect(None, connection)
    assert "加密密钥与数据库不符" in str(exc.value)
    assert str(tmp_path / "secrets.json") in str(exc.value)
    assert closed == [True]
    assert keycheck._checked == set()  # the next connection checks again


def test_keys_made_for_a_missing_file_are_removed_again(
    resident_then_other_keys, monkeypatch, tmp_path
):
    made = tmp_path / "secrets.json"
    made.write_text(json.dumps({"FIELD_KEYS": OTHER_KEYS}))
    monkeypatch.delenv("FANGKONG_SECRETS_JSON", raising=False)
    monkeypatch.setattr(secrets_file, "_created", made)
    monkeypatch.setattr(connection, "close", lambda: None)
    with pytest.raises(keycheck.KeyMismatchError) as exc:
        keycheck.check_keys_on_connect(None, connection)
    assert f"找不到加密密钥文件 {made}" in str(exc.value)
    assert not made.exists()  # putting the right file back is all that is left to do


def test_restore_skips_the_check(resident_then_other_keys):
    keycheck.skip_for_this_process(connection)
    keycheck.check_keys_on_connect(None, connection)  # restore compares the fingerprints


def test_first_run_records_the_file_it_made(tmp_path, monkeypatch):
    monkeypatch.delenv("FANGKONG_SECRETS_JSON", raising=False)
    monkeypatch.setattr(secrets_file, "_created", None)
    secrets_file.load_secrets(tmp_path)
    assert secrets_file.created_path() == tmp_path / "secrets.json"
    monkeypatch.setattr(secrets_file, "_created", None)
    secrets_file.load_secrets(tmp_path)  # read back: made by another run
    assert secrets_file.created_path() is None


# --- the command line: a wrong installation gets a message, not a traceback --------------


def _fangkong(tmp_path, *args, **env):
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "FANGKONG_", "PYTEST_")) and k != "DATABASE_URL"
    }
    clean |= {"FANGKONG_VAR_DIR": str(tmp_path / "var"), **env}
    return subprocess.run(
        [sys.executable, "-m", "fangkong", *args],
        env=clean,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("mysqlx://fk:s3cret@db/fk", "DATABASE_URL 无法识别（协议“mysqlx”）"),
        ("postgres://fk:s3cret@db:port/fk", "DATABASE_URL 无法识别"),
        ("postgres://fk:s3cret@db:5432/", "DATABASE_URL 缺少数据库名"),
    ],
)
def test_a_wrong_database_url_is_named_without_its_password(tmp_path, url, says):
    result = _fangkong(tmp_path, "verify-audit", DATABASE_URL=url)
    assert result.returncode == 1
    assert says in result.stderr
    assert "Traceback" not in result.stderr
    assert "s3cret" not in result.stderr + result.stdout


def test_a_database_that_cannot_be_opened_is_named(tmp_path):
    result = _fangkong(
        tmp_path, "verify-audit", DATABASE_URL=f"sqlite:///{tmp_path}/missing/dir/fk.sqlite3"
    )
    assert result.returncode == 1
    assert "无法使用数据库" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_damaged_key_file_is_named(tmp_path):
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "secrets.json").write_text('{"SECRET_KEY": "abc", "FIELD')
    result = _fangkong(tmp_path, "verify-audit")
    assert result.returncode == 1
    assert "不是有效的 JSON" in result.stderr
    assert "Traceback" not in result.stderr


def test_key_file_lacking_keys_is_named(tmp_path):
    result = _fangkong(tmp_path, "verify-audit", FANGKONG_SECRETS_JSON='{"SECRET_KEY": "x"}')
    assert result.returncode == 1
    assert "缺少 FIELD_KEYS, INDEX_KEY" in result.stderr
    assert "Traceback" not in result.stderr


def test_ctrl_c_ends_a_command_without_a_traceback(tmp_path):
    """Ctrl-C during load-demo or an import printed a page of Python traceback."""
    import signal

    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "FANGKONG_", "PYTEST_")) and k != "DATABASE_URL"
    }
    env["FANGKONG_VAR_DIR"] = str(tmp_path / "var")
    code = "import time; print('ready', flush=True); time.sleep(60)"
    process = subprocess.Popen(
        [sys.executable, "-m", "fangkong", "shell", "--no-imports", "-c", code],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout.readline() == "ready\n"
    process.send_signal(signal.SIGINT)
    _out, err = process.communicate(timeout=60)
    # 130 in the shell either way: exit(130), or Python ending by the signal itself.
    assert process.returncode in (130, -signal.SIGINT)
    assert "已中断" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("FANGKONG_MAX_UPLOAD_BYTES", "200MB", "FANGKONG_MAX_UPLOAD_BYTES='200MB' 应为整数"),
        ("FANGKONG_RETENTION_DAYS", "{'venues.scan': 60}", "RETENTION_DAYS 不是有效的 JSON"),
    ],
)
def test_a_malformed_setting_is_named(tmp_path, name, value, says):
    """A unit in a number or single quotes in JSON gave a traceback naming no variable."""
    result = _fangkong(tmp_path, "verify-audit", **{name: value})
    assert result.returncode == 1
    assert says in result.stderr
    assert "Traceback" not in result.stderr


def test_a_var_dir_under_home_is_expanded(tmp_path):
    """FANGKONG_VAR_DIR=~/fk from a systemd unit made a folder named "~" in the cwd."""
    home = tmp_path / "home"
    home.mkdir()
    result = _fangkong(
        tmp_path,
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings; print(settings.VAR_DIR)",
        FANGKONG_VAR_DIR="~/fk/var",
        HOME=str(home),
    )
    assert result.stdout.strip() == str(home / "fk" / "var")
