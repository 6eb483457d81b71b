"""gunicorn as README's deployment notes start it (from the repository root, where it reads
``gunicorn.conf.py``): no control socket in the home directory; asked for, under var/."""

import contextlib
import os
import socket
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
