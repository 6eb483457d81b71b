"""A real Fangkong installation in a temporary folder, driven through its command line.

Fault tests, the progress-bar browser test and the load test need what pytest-django's test
database cannot give: several processes (a server, a worker, an import) on one database that
survives a killed process. A sandbox has its own ``var/`` (keys, uploads) and its own
database: a SQLite file, or a new database on the PostgreSQL server given as ``server_url``
(the test suite's own server), dropped afterwards.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

PASSWORD = "pw-for-tests-only"

# Areas and one account per role, as in the unit tests (``factories``).
SETUP_CODE = """
from fangkong.core.testing import factories
if not factories.Area.objects.exists():
    factories.build_users(factories.build_city())
"""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Sandbox:
    def __init__(self, root: Path, database_url: str | None = None):
        self.root = Path(root)
        self.var = self.root / "var"
        self.var.mkdir(parents=True, exist_ok=True)
        self.database_url = database_url
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DJANGO_", "FANGKONG_", "PYTEST_")) and k != "DATABASE_URL"
        }
        env |= {
            "DJANGO_SETTINGS_MODULE": "fangkong.settings.dev",  # plain-HTTP cookies on loopback
            "FANGKONG_VAR_DIR": str(self.var),
            "FANGKONG_DEBUG": "0",
            "FANGKONG_LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
        if database_url:
            env["DATABASE_URL"] = database_url
        self.env = env

    @property
    def vendor(self) -> str:
        return "postgresql" if self.database_url else "sqlite"

    # --- commands ---------------------------------------------------------------------

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "fangkong", *args]

    def run(self, *args: str, timeout: float = 600, check: bool = True):
        result = subprocess.run(
            self.command(*args),
            env=self.env,
            cwd=self.root,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and result.returncode != 0:
            raise RuntimeError(
                f"fangkong {' '.join(args)} exited {result.returncode}:\n"
                f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
            )
        return result

    def popen(self, *args: str, **kwargs) -> subprocess.Popen:
        kwargs.setdefault("stdout", subprocess.PIPE)
        kwargs.setdefault("stderr", subprocess.PIPE)
        return subprocess.Popen(
            self.command(*args), env=self.env, cwd=self.root, text=True, **kwargs
        )

    def shell(self, code: str) -> str:
        return self.run("shell", "--no-imports", "-c", code).stdout

    def setup(self) -> None:
        """Migrate, then the areas and one account per role (password ``PASSWORD``)."""
        self.run("migrate", "--noinput", "-v0")
        self.shell(SETUP_CODE)

    # --- direct reads of the database -------------------------------------------------

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        if self.vendor == "sqlite":
            conn = sqlite3.connect(self.var / "fangkong.sqlite3", timeout=30)
            try:
                return conn.execute(sql.replace("%s", "?"), params).fetchall()
            finally:
                conn.close()
        import psycopg

        with psycopg.connect(self.database_url, connect_timeout=5) as conn:
            return conn.execute(sql, params).fetchall()

    def count(self, table: str) -> int:
        return self.query(f'SELECT COUNT(*) FROM "{table}"')[0][0]  # noqa: S608

    # --- the web server ----------------------------------------------------------------

    @contextlib.contextmanager
    def serve(self, *, worker: bool = True, threads: int = 8) -> Iterator[str]:
        """``fangkong serve`` (waitress, and the task worker unless ``worker=False``)."""
        port = free_port()
        args = ["serve", "--port", str(port), "--threads", str(threads)]
        if not worker:
            args.append("--no-worker")
        log = open(self.root / f"serve-{port}.log", "w")  # noqa: SIM115 - closed below
        process = self.popen(*args, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_for_http(url + "/login/", process, timeout=120)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()


def wait_for_http(url: str, process: subprocess.Popen | None = None, *, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5) as r:  # noqa: S310 - loopback
                if r.status < 500:
                    return
        except urllib.error.HTTPError as e:
            if e.code < 500:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


def _replace_db(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def server_url_of(settings_dict: dict) -> str:
    """A postgres:// URL for the server behind a Django ``DATABASES`` entry."""
    from urllib.parse import quote

    user = quote(settings_dict.get("USER") or "")
    password = quote(settings_dict.get("PASSWORD") or "")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{auth}{host}:{port}/postgres"


@contextlib.contextmanager
def sandbox(root: Path, *, server_url: str | None = None) -> Iterator[Sandbox]:
    """A sandbox on SQLite, or on a fresh database of the PostgreSQL server ``server_url``."""
    if server_url is None:
        yield Sandbox(root)
        return
    import psycopg

    name = f"fk_sandbox_{secrets.token_hex(4)}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield Sandbox(root, _replace_db(server_url, name))
    finally:
        _drop_database(server_url, name)


def _drop_database(server_url: str, name: str, *, patience: float = 60.0) -> None:
    """Drop the sandbox database, its own lingering sessions included (``FORCE``). A
    non-superuser may not terminate an autovacuum worker (PostgreSQL 15 refuses the whole
    ``FORCE`` then), which a sandbox that wrote many rows can have started; a plain ``DROP``
    stops autovacuum itself, so it is tried next, until the sessions are gone."""
    import psycopg
    from psycopg import errors

    deadline = time.monotonic() + patience
    with psycopg.connect(server_url, autocommit=True) as conn:
        force = True
        while True:
            suffix = " WITH (FORCE)" if force else ""
            try:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}"{suffix}')
                return
            except errors.InsufficientPrivilege:
                force = False
            except errors.ObjectInUse:
                force = True
            if time.monotonic() > deadline:
                raise RuntimeError(f"could not drop the sandbox database {name}")
            time.sleep(0.2)
