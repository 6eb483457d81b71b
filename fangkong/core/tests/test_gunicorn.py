"""gunicorn as README's deployment notes start it (from the repository root, where it reads
``gunicorn.conf.py``): no control socket in the home directory; asked for, under var/."""

import base64
import contextlib
import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from fangkong.core.testing.postgres import free_port

REPO = Path(__file__).resolve().parents[3]


@contextlib.contextmanager
def _running(tmp_path: Path, **env_extra: str) -> Iterator[tuple[Path, Path]]:
    """gunicorn with a fresh home and var directory, answering on a port: (home, var)."""
    home, var = tmp_path / "home", tmp_path / "var"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "XDG_RUNTIME_DIR")}
    env.update(HOME=str(home), FANGKONG_VAR_DIR=str(var), **env_extra)
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "fangkong.wsgi:application", "--workers", "1"]
    server = subprocess.Popen(
        [*command, "--bind", f"127.0.0.1:{port}"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, server.stderr.read().decode()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        yield home, var
    finally:
        server.terminate()
        server.wait(timeout=60)


def _wait_for(path: Path, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    return path.exists()


def test_gunicorn_leaves_no_control_socket_in_the_home_directory(tmp_path):
    with _running(tmp_path) as (home, var):
        # The arbiter opens its socket beside the listener; give it the time it needs.
        assert not _wait_for(home / ".gunicorn" / "gunicorn.ctl", seconds=3)
        assert not (var / "gunicorn.ctl").exists()
    assert list(home.iterdir()) == []


def test_an_asked_for_control_socket_lives_under_the_var_directory(tmp_path):
    with _running(tmp_path, FANGKONG_GUNICORN_CONTROL="1") as (home, var):
        assert _wait_for(var / "gunicorn.ctl")
    assert list(home.iterdir()) == []


def test_keys_that_cannot_read_the_database_stop_gunicorn_at_start(tmp_path):
    """A server whose secrets.json is not the one its data was written with stopped only at
    the first request, after gunicorn reported itself ready."""
    var = tmp_path / "var"
    var.mkdir()
    (var / "secrets.json").write_text(
        json.dumps(
            {
                "SECRET_KEY": "x" * 50,
                "FIELD_KEYS": {"1": base64.b64encode(b"k" * 32).decode()},
                "INDEX_KEY": base64.b64encode(b"i" * 32).decode(),
            }
        )
    )
    # A database holding one personal value these keys did not write.
    with sqlite3.connect(var / "fangkong.sqlite3") as db:
        db.execute("CREATE TABLE registry_resident (id_number text)")
        db.execute("INSERT INTO registry_resident VALUES ('v1:bm90IG91cnM=')")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "XDG_RUNTIME_DIR")}
    env.update(HOME=str(tmp_path), FANGKONG_VAR_DIR=str(var))
    command = [sys.executable, "-m", "gunicorn", "fangkong.wsgi:application", "--workers", "1"]
    server = subprocess.run(
        [*command, "--bind", f"127.0.0.1:{free_port()}"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert server.returncode != 0
    assert "加密密钥与数据库不符" in server.stderr
