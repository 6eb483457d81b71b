"""Fresh databases for every measured run, SQLite and PostgreSQL.

A template is built once per database kind (``fangkong migrate`` + the bench city tree);
each run then gets a fresh copy: a copied ``var`` directory (secrets + SQLite file) or
``CREATE DATABASE … TEMPLATE …`` on PostgreSQL. Each run has its own ``FANGKONG_VAR_DIR``,
so the bench never touches the project's own ``var/`` database or keys.

PostgreSQL is found the way the test harness finds it: ``FANGKONG_BENCH_DATABASE_URL`` or
``FANGKONG_TEST_DATABASE_URL`` (the role needs CREATEDB), else a throw-away cluster started
with Debian's binaries (as the ``postgres`` user when run as root), else skipped.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parent.parent
SETTINGS = "fangkong.settings.prod"
TEMPLATE_DB = "fangkong_bench_template"
RUN_DB = "fangkong_bench_run"
ENV_TEST_URL = "FANGKONG_TEST_DATABASE_URL"


class SetupError(RuntimeError):
    pass


def fangkong_command() -> list[str]:
    script = Path(sys.executable).with_name("fangkong")
    return [str(script)] if script.exists() else [sys.executable, "-m", "fangkong"]


def base_env(var_dir: Path, database_url: str | None) -> dict[str, str]:
    env = dict(os.environ)
    for key in ("DATABASE_URL", "FANGKONG_SECRETS_JSON", "FANGKONG_SECRET_KEY"):
        env.pop(key, None)
    env.update(
        DJANGO_SETTINGS_MODULE=SETTINGS,
        FANGKONG_VAR_DIR=str(var_dir),
        FANGKONG_LOG_LEVEL="WARNING",
        PYTHONPATH=os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p),
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def _run(argv: list[str], env: dict[str, str], what: str) -> None:
    proc = subprocess.run(argv, env=env, cwd=REPO, capture_output=True, text=True)  # noqa: S603
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-30:])
        raise SetupError(f"{what} failed (exit {proc.returncode}):\n{tail}")


def prepare_schema(env: dict[str, str]) -> None:
    """Migrate and create the bench city tree in the database ``env`` points at."""
    _run([*fangkong_command(), "migrate", "--noinput"], env, "migrate")
    _run([sys.executable, "-m", "bench", "setup-areas"], env, "setup-areas")


@dataclass
class Database:
    """One database kind under test; ``fresh()`` returns the env of a new, empty copy."""

    kind: str  # "sqlite" or "postgres"
    work_dir: Path
    version: str = ""
    server: PostgresServer | None = None
    _template_ready: bool = field(default=False, repr=False)

    @property
    def label(self) -> str:
        return "SQLite" if self.kind == "sqlite" else "PostgreSQL"

    def _template_dir(self) -> Path:
        return self.work_dir / f"{self.kind}-template"

    def _run_dir(self) -> Path:
        return self.work_dir / f"{self.kind}-run"

    def build_template(self) -> None:
        tdir = self._template_dir()
        shutil.rmtree(tdir, ignore_errors=True)
        tdir.mkdir(parents=True)
        if self.kind == "sqlite":
            prepare_schema(base_env(tdir, None))
        else:
            assert self.server is not None
            self.server.recreate(TEMPLATE_DB)
            prepare_schema(base_env(tdir, self.server.url_for(TEMPLATE_DB)))
        self._template_ready = True

    def fresh(self) -> dict[str, str]:
        if not self._template_ready:
            self.build_template()
        rdir = self._run_dir()
        shutil.rmtree(rdir, ignore_errors=True)
        shutil.copytree(self._template_dir(), rdir)
        if self.kind == "sqlite":
            return base_env(rdir, None)
        assert self.server is not None
        self.server.recreate(RUN_DB, template=TEMPLATE_DB)
        return base_env(rdir, self.server.url_for(RUN_DB))

    @property
    def run_dir(self) -> Path:
        """The ``FANGKONG_VAR_DIR`` of the current run (secrets, and the SQLite file)."""
        return self._run_dir()

    def restore(self, source: Path) -> dict[str, str]:
        """A run on a copy of a saved ``var`` directory (a loaded fixture): with its SQLite
        file, or — PostgreSQL — its keys for the run database of a cluster started from a
        saved data directory."""
        rdir = self._run_dir()
        shutil.rmtree(rdir, ignore_errors=True)
        shutil.copytree(source, rdir)
        self._template_ready = True
        if self.kind == "sqlite":
            return base_env(rdir, None)
        assert self.server is not None
        return base_env(rdir, self.server.url_for(RUN_DB))

    def sqlite_file(self) -> Path:
        return self._run_dir() / "fangkong.sqlite3"

    def count_residents(self) -> int:
        if self.kind == "sqlite":
            import sqlite3

            with sqlite3.connect(self.sqlite_file()) as conn:
                return conn.execute("SELECT COUNT(*) FROM registry_resident").fetchone()[0]
        assert self.server is not None
        return int(self.server.scalar("SELECT COUNT(*) FROM registry_resident", RUN_DB))

    def close(self) -> None:
        if self.server is not None:
            self.server.close()


def sqlite_database(work_dir: Path) -> Database:
    import sqlite3

    return Database("sqlite", work_dir, version=sqlite3.sqlite_version)


# --- PostgreSQL ------------------------------------------------------------------------


@dataclass
class PostgresServer:
    admin_url: str
    source: str  # where it came from, for the report
    data_dir: Path | None = None  # set for a throw-away cluster we started
    pg_ctl: str = ""
    run_as: list[str] = field(default_factory=list)
    created: set[str] = field(default_factory=set)
    start_opts: str = ""  # how a throw-away cluster was started, to start it again

    def stop(self) -> None:
        """Stop a throw-away cluster cleanly (its data directory can then be copied)."""
        assert self.data_dir is not None
        _pg_ctl(self, "-m", "fast", "-w", "stop")

    def start(self) -> None:
        assert self.data_dir is not None
        log = str(self.data_dir.parent / "server.log")
        _pg_ctl(self, "-l", log, "-o", self.start_opts, "-w", "start")

    def url_for(self, dbname: str) -> str:
        parts = urlsplit(self.admin_url)
        return urlunsplit(parts._replace(path=f"/{dbname}"))

    def _connect(self, dbname: str | None = None):
        import psycopg

        url = self.url_for(dbname) if dbname else self.admin_url
        return psycopg.connect(url, autocommit=True, connect_timeout=10)

    def scalar(self, sql: str, dbname: str | None = None):
        with self._connect(dbname) as conn:
            return conn.execute(sql).fetchone()[0]

    def version(self) -> str:
        return str(self.scalar("SHOW server_version"))

    def recreate(self, dbname: str, template: str | None = None) -> None:
        from psycopg import sql

        with self._connect() as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(dbname))
            )
            stmt = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname))
            if template:
                stmt += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
            conn.execute(stmt)
        self.created.add(dbname)

    def close(self) -> None:
        if self.data_dir is None:
            from psycopg import sql

            with self._connect() as conn:
                for name in sorted(self.created):
                    conn.execute(
                        sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                            sql.Identifier(name)
                        )
                    )
            return
        subprocess.run(  # noqa: S603
            [*self.run_as, self.pg_ctl, "-D", str(self.data_dir), "-m", "fast", "-w", "stop"],
            capture_output=True,
        )
        shutil.rmtree(self.data_dir.parent, ignore_errors=True)


def copy_tree(src: Path, dst: Path) -> subprocess.CompletedProcess:
    """``cp -a``: keeps a cluster directory's postgres owner and 0700 mode (copytree does not
    keep owners), and is fast on GBs."""
    return subprocess.run(  # noqa: S603
        [shutil.which("cp") or "/bin/cp", "-a", str(src), str(dst)], capture_output=True, text=True
    )


def _pg_ctl(server: PostgresServer, *args: str) -> None:
    proc = subprocess.run(  # noqa: S603
        [*server.run_as, server.pg_ctl, "-D", str(server.data_dir), *args],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise SetupError(f"pg_ctl {args[-1]} failed: {proc.stderr.strip()[-300:]}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _find_binary(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=_version_key)
    return found[-1] if found else shutil.which(name)


def _version_key(path: str) -> tuple:
    part = Path(path).parent.parent.name
    return tuple(int(x) if x.isdigit() else 0 for x in part.split("."))


def start_temp_cluster(seed_data: Path | None = None) -> tuple[PostgresServer | None, str]:
    """Start a throw-away cluster on 127.0.0.1 with default (durable) settings — on a copy of
    ``seed_data`` (a stopped cluster's data directory, e.g. a cached fixture) when given."""
    initdb, pg_ctl = _find_binary("initdb"), _find_binary("pg_ctl")
    if not initdb or not pg_ctl:
        return (
            None,
            "no PostgreSQL server binary found (install postgresql or set "
            "FANGKONG_BENCH_DATABASE_URL)",
        )
    run_as: list[str] = []
    root = Path(tempfile.mkdtemp(prefix="fangkong-bench-pg-"))
    data, sock = root / "data", root / "sock"
    sock.mkdir()
    if os.geteuid() == 0:
        try:
            pw = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(root, ignore_errors=True)
            return None, "running as root and no 'postgres' user to run initdb as"
        runuser = shutil.which("runuser")
        if not runuser:
            shutil.rmtree(root, ignore_errors=True)
            return None, "running as root and no runuser to start PostgreSQL as 'postgres'"
        run_as = [runuser, "-u", "postgres", "--"]
        for p in (root, sock):
            os.chown(p, pw.pw_uid, pw.pw_gid)
    port = _free_port()
    if seed_data is not None:
        init = copy_tree(seed_data, data)
    else:
        init = subprocess.run(  # noqa: S603
            [
                *run_as,
                initdb,
                "-D",
                str(data),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-locale",
                "--no-sync",
            ],
            capture_output=True,
            text=True,
        )
    if init.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        return None, f"initdb failed: {init.stderr.strip()[-300:]}"
    opts = f"-c listen_addresses=127.0.0.1 -p {port} -k {sock}"
    start = subprocess.run(  # noqa: S603
        [
            *run_as,
            pg_ctl,
            "-D",
            str(data),
            "-l",
            str(root / "server.log"),
            "-o",
            opts,
            "-w",
            "start",
        ],
        capture_output=True,
        text=True,
    )
    if start.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        return None, f"pg_ctl start failed: {start.stderr.strip()[-300:]}"
    server = PostgresServer(
        admin_url=f"postgres://postgres@127.0.0.1:{port}/postgres",
        source=f"throw-away cluster ({Path(initdb).parent.parent.name}, default settings)",
        data_dir=data,
        pg_ctl=pg_ctl,
        run_as=run_as,
        start_opts=opts,
    )
    return server, ""


def external_postgres() -> bool:
    return any(
        os.environ.get(v) for v in ("FANGKONG_BENCH_DATABASE_URL", "FANGKONG_TEST_DATABASE_URL")
    )


def server_major() -> str:
    """The major version of the server binaries a throw-away cluster would run ("15")."""
    initdb = _find_binary("initdb")
    return Path(initdb).parent.parent.name if initdb else ""


def discover_postgres(seed_data: Path | None = None) -> tuple[PostgresServer | None, str]:
    """(server, "") or (None, why it is skipped)."""
    for var in ("FANGKONG_BENCH_DATABASE_URL", "FANGKONG_TEST_DATABASE_URL"):
        url = os.environ.get(var)
        if url:
            server = PostgresServer(admin_url=url, source=f"${var}")
            try:
                server.version()
            except Exception as e:
                return None, f"cannot connect with ${var}: {type(e).__name__}"
            return server, ""
    return start_temp_cluster(seed_data)


def postgres_database(work_dir: Path, seed_data: Path | None = None) -> tuple[Database | None, str]:
    server, why = discover_postgres(seed_data)
    if server is None:
        return None, why
    return Database("postgres", work_dir, version=server.version(), server=server), ""
