"""A PostgreSQL server for the test suite (and the benchmark), found or started on demand.

Order of preference:

1. ``FANGKONG_TEST_DATABASE_URL`` (CI sets it to a server it started; the role needs CREATEDB
   because Django creates ``test_*`` databases);
2. a throw-away cluster started with the Debian/Ubuntu server binaries
   (``/usr/lib/postgresql/*/bin``) in a temporary directory under /tmp (its socket too),
   listening on 127.0.0.1 on a free port, run as the ``postgres`` user when we are root
   (``initdb`` refuses root) — stopped and deleted afterwards. Tests connect as a LOGIN
   CREATEDB role, the same rights CI's role has;
3. nothing: a clear line says the PostgreSQL run is skipped — an error when ``CI=true``.

Command line (what ``make test`` calls)::

    python -m fangkong.core.testing.postgres run -- pytest -n auto

runs the command with ``DATABASE_URL`` pointing at the server and exits with its status.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import secrets
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ENV_URL = "FANGKONG_TEST_DATABASE_URL"
SKIP_MESSAGE = (
    "PostgreSQL tests skipped: no server binary found "
    "(install postgresql or set FANGKONG_TEST_DATABASE_URL)"
)
DATABASE = "fangkong"
ROLE = "fangkong"


class NoServer(RuntimeError):
    """No PostgreSQL server can be had on this machine."""


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def redact(url: str) -> str:
    """The URL without its password, for printing."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def find_bindir() -> Path | None:
    """The newest directory holding ``initdb`` and ``pg_ctl``."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda p: [int(x) if x.isdigit() else 0 for x in Path(p).parent.name.split(".")],
        reverse=True,
    )
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.CalledProcessError):
            out = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, check=True
            )
            candidates.append(out.stdout.strip())
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(str(Path(initdb).parent))
    for directory in candidates:
        d = Path(directory)
        if (d / "initdb").is_file() and (d / "pg_ctl").is_file():
            return d
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server_user() -> tuple[list[str], int | None, int | None]:
    """(command prefix, uid, gid) to run the server binaries as."""
    if os.geteuid() != 0:
        return [], None, None
    try:
        entry = pwd.getpwnam("postgres")
    except KeyError:
        raise NoServer("running as root and there is no 'postgres' user to run initdb") from None
    runuser = shutil.which("runuser")
    prefix = [runuser, "-u", "postgres", "--"] if runuser else ["su", "postgres", "-c"]
    return prefix, entry.pw_uid, entry.pw_gid


def _run_as(prefix: list[str], args: list[str]) -> subprocess.CompletedProcess:
    if prefix and prefix[0] == "su":
        args = [shlex.join(args)]
    return subprocess.run(
        [*prefix, *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


class Cluster:
    """A running throw-away cluster: its URL, and pg_ctl for the fault tests (restart)."""

    def __init__(self, bindir: Path, base: Path, prefix: list[str], url: str):
        self.bindir, self.base, self.prefix, self.url = bindir, base, prefix, url

    def pg_ctl(self, *args: str) -> None:
        _run_as(self.prefix, [str(self.bindir / "pg_ctl"), "-D", str(self.base / "data"), *args])

    def stop(self) -> None:
        self.pg_ctl("-m", "fast", "-w", "stop")

    def start(self) -> None:
        self.pg_ctl("-l", str(self.base / "server.log"), "-w", "start")

    def restart(self) -> None:
        self.pg_ctl("-m", "fast", "-l", str(self.base / "server.log"), "-w", "restart")


@contextlib.contextmanager
def temporary_cluster(bindir: Path | None = None) -> Iterator[str]:
    """Start a private cluster; yield its URL (database ``fangkong``); stop and delete it."""
    with cluster(bindir) as c:
        yield c.url


@contextlib.contextmanager
def cluster(bindir: Path | None = None) -> Iterator[Cluster]:
    """Start a private cluster; yield it (``.url``, ``.restart()``); stop and delete it."""
    bindir = bindir or find_bindir()
    if bindir is None:
        raise NoServer(SKIP_MESSAGE)
    prefix, uid, gid = _server_user()
    base = Path(tempfile.mkdtemp(prefix="fangkong-pg-", dir="/tmp"))
    data, pwfile, log = base / "data", base / "pwfile", base / "server.log"
    password = secrets.token_hex(16)
    pwfile.write_text(password + "\n")
    os.chmod(pwfile, 0o600)
    if uid is not None:
        os.chown(base, uid, gid)
        os.chown(pwfile, uid, gid)
    port = free_port()
    pg_ctl = [str(bindir / "pg_ctl"), "-D", str(data)]
    started = False
    try:
        try:
            _run_as(
                prefix,
                [
                    str(bindir / "initdb"),
                    *("-D", str(data), "-U", "postgres", "-E", "UTF8", "--no-locale"),
                    *("--auth-local=trust", "--auth-host=scram-sha-256", f"--pwfile={pwfile}"),
                ],
            )
            # In postgresql.conf rather than on the command line, so that restart keeps them.
            with open(data / "postgresql.conf", "a") as conf:
                conf.write(
                    f"\nport = {port}\nunix_socket_directories = '{base}'\n"
                    "listen_addresses = '127.0.0.1'\nfsync = off\nsynchronous_commit = off\n"
                    "full_page_writes = off\nmax_connections = 200\n"
                )
            _run_as(prefix, [*pg_ctl, "-l", str(log), "-w", "start"])
            started = True
            # The suite connects as CI does: a LOGIN CREATEDB role, not a superuser, so a
            # test that needs more than CI grants fails here too, not first in CI.
            socket_args = ["-h", str(base), "-p", str(port), "-U", "postgres"]
            _run_as(
                prefix,
                [
                    str(bindir / "psql"),
                    *socket_args,
                    *("-v", "ON_ERROR_STOP=1", "-qAt", "-d", "postgres", "-c"),
                    f"CREATE ROLE {ROLE} WITH LOGIN CREATEDB PASSWORD '{password}'",
                ],
            )
            _run_as(prefix, [str(bindir / "createdb"), *socket_args, "-O", ROLE, DATABASE])
        except subprocess.CalledProcessError as e:
            detail = (e.stderr or b"").decode(errors="replace").strip()
            if log.exists():
                detail += "\n" + log.read_text(errors="replace")[-2000:]
            raise NoServer(f"could not start a temporary PostgreSQL cluster: {detail}") from None
        url = f"postgres://{ROLE}:{password}@127.0.0.1:{port}/{DATABASE}"
        yield Cluster(bindir, base, prefix, url)
    finally:
        if started:
            with contextlib.suppress(subprocess.CalledProcessError):
                _run_as(prefix, [*pg_ctl, "-m", "fast", "-w", "stop"])
        shutil.rmtree(base, ignore_errors=True)


@contextlib.contextmanager
def database_url_for_tests() -> Iterator[str]:
    """``FANGKONG_TEST_DATABASE_URL`` if set, else a temporary cluster; raises ``NoServer``."""
    url = os.environ.get(ENV_URL)
    if url:
        yield url
        return
    with temporary_cluster() as url:
        yield url


def run(command: list[str]) -> int:
    """Run ``command`` with ``DATABASE_URL`` set to a PostgreSQL server; its exit status."""
    try:
        with database_url_for_tests() as url:
            source = ENV_URL if os.environ.get(ENV_URL) else "temporary cluster"
            print(f"PostgreSQL tests: {redact(url)} ({source})", flush=True)
            return subprocess.call(command, env={**os.environ, "DATABASE_URL": url})
    except NoServer as e:
        if in_ci():
            print(f"ERROR: {e} — CI=true requires PostgreSQL.", file=sys.stderr, flush=True)
            return 1
        print(str(e) if str(e) == SKIP_MESSAGE else f"{SKIP_MESSAGE}: {e}", flush=True)
        return 0


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[0] != "run" or argv[1] != "--":
        print("usage: python -m fangkong.core.testing.postgres run -- COMMAND...", file=sys.stderr)
        return 2
    return run(argv[2:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
