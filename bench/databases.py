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
import json
import os
import pwd
import shutil
import socket
import stat
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

    @property
    def cache_kind(self) -> str | None:
        """The key prefix of a saved, loaded database of this kind (``save``/``restore``);
        ``None`` when it cannot be saved (a PostgreSQL server we did not start)."""
        if self.kind == "sqlite":
            return "sqlite"
        if self.server is None or self.server.data_dir is None:
            return None
        return f"postgres{self.version.split('.')[0]}"  # a data directory fits one major

    def save(self, dest: Path, counts: dict) -> None:
        """Keep the current run's loaded database under ``dest`` for ``restore``: SQLite its
        ``var`` directory, PostgreSQL the stopped cluster's data directory (moved, not copied:
        call ``restore`` next) and the run's ``var`` (its secrets)."""
        tmp = dest.with_name(dest.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        if self.kind == "sqlite":
            shutil.copytree(self.run_dir, tmp)
        else:
            assert self.server is not None and self.server.data_dir is not None
            tmp.mkdir(parents=True)
            shutil.copytree(self.run_dir, tmp / "var")
            self.server.stop()
            shutil.move(self.server.data_dir, tmp / "pgdata")  # one file system: a rename
            self.server.close()
            self.server = None
        (tmp / "counts.json").write_text(json.dumps(counts))
        tmp.replace(dest)

    def restore(self, source: Path, *, writes: bool = True) -> dict[str, str]:
        """A run on a database saved by ``save``: SQLite on a copy of the ``var`` directory,
        PostgreSQL a cluster started on the saved data directory — on the directory itself
        when the run ``writes`` nothing, else on a copy."""
        rdir = self._run_dir()
        shutil.rmtree(rdir, ignore_errors=True)
        if self.kind == "sqlite":
            shutil.copytree(source, rdir)
            return base_env(rdir, None)
        shutil.copytree(source / "var", rdir)
        if self.server is not None:
            self.server.close()  # the empty cluster started for a load
        server, why = start_cached_cluster(source / "pgdata", in_place=not writes)
        if server is None:
            raise SetupError(why)
        self.server = server
        return base_env(rdir, server.url_for(RUN_DB))

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
    root: Path | None = None  # its temporary directory (socket, log; the data unless cached)

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
        self.stop()
        shutil.rmtree(self.root or self.data_dir.parent, ignore_errors=True)

    def stop(self) -> None:
        """Stop the throw-away cluster cleanly (a shutdown checkpoint: its files are whole)."""
        assert self.data_dir is not None
        subprocess.run(  # noqa: S603
            [*self.run_as, self.pg_ctl, "-D", str(self.data_dir), "-m", "fast", "-w", "stop"],
            capture_output=True,
        )

    def major(self) -> str:
        """The server's major version (a data directory is only valid for that one)."""
        return str(self.scalar("SHOW server_version_num"))[:-4]


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


def _cluster_owner() -> tuple[list[str], tuple[int, int] | None, str]:
    """(command prefix, (uid, gid) to own the files, "") to run the server as ``postgres``
    when we are root; ("", …, why) when that is impossible."""
    if os.geteuid() != 0:
        return [], None, ""
    try:
        pw = pwd.getpwnam("postgres")
    except KeyError:
        return [], None, "running as root and no 'postgres' user to run initdb as"
    runuser = shutil.which("runuser")
    if not runuser:
        return [], None, "running as root and no runuser to start PostgreSQL as 'postgres'"
    return [runuser, "-u", "postgres", "--"], (pw.pw_uid, pw.pw_gid), ""


def start_temp_cluster() -> tuple[PostgresServer | None, str]:
    """Start a throw-away cluster on 127.0.0.1 with default (durable) settings."""
    initdb, pg_ctl = _find_binary("initdb"), _find_binary("pg_ctl")
    if not initdb or not pg_ctl:
        return (
            None,
            "no PostgreSQL server binary found (install postgresql or set "
            "FANGKONG_BENCH_DATABASE_URL)",
        )
    run_as, owner, why = _cluster_owner()
    if why:
        return None, why
    root = _cluster_root(owner)
    data = root / "data"
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
    extra = _extra_server_options()
    settings = f"default settings + {extra}" if extra else "default settings"
    source = f"throw-away cluster ({Path(initdb).parent.parent.name}, {settings})"
    return _start_cluster(root, data, pg_ctl, run_as, source)


def start_cached_cluster(data: Path, *, in_place: bool) -> tuple[PostgresServer | None, str]:
    """Start a throw-away cluster on a saved data directory (a loaded city): on the directory
    itself when the run writes nothing (``close`` then leaves it), else on a copy."""
    pg_ctl = _find_binary("pg_ctl")
    if not pg_ctl:
        return None, "no PostgreSQL server binary found"
    run_as, owner, why = _cluster_owner()
    if why:
        return None, why
    root = _cluster_root(owner)
    if in_place and owner and not reachable_by(data, *owner):
        # Run as root, the server runs as 'postgres', and the cache lies under the checkout's
        # var/, which is the owner's alone (its secrets): the server could not open it there.
        in_place = False
    source = f"cached cluster ({'in place' if in_place else 'a copy'} of {data.parent.name})"
    if not in_place:
        # cp -a keeps the owner and the 0700 mode PostgreSQL insists on.
        cp = shutil.which("cp") or "/bin/cp"
        copy = subprocess.run(  # noqa: S603
            [cp, "-a", str(data), str(root / "data")], capture_output=True, text=True
        )
        if copy.returncode != 0:
            shutil.rmtree(root, ignore_errors=True)
            return None, f"copying {data} failed: {copy.stderr.strip()[-300:]}"
        data = root / "data"
    return _start_cluster(root, data, pg_ctl, run_as, source)


def reachable_by(path: Path, uid: int, gid: int) -> bool:
    """Whether the user ``uid`` (group ``gid``) may pass through every directory above
    ``path`` — the permission bits that apply to them, as the kernel reads them."""
    for directory in reversed(path.absolute().parents):
        st = directory.stat()
        if st.st_uid == uid:
            bit = stat.S_IXUSR
        elif st.st_gid == gid:
            bit = stat.S_IXGRP
        else:
            bit = stat.S_IXOTH
        if not st.st_mode & bit:
            return False
    return True


def _cluster_root(owner: tuple[int, int] | None) -> Path:
    root = Path(tempfile.mkdtemp(prefix="fangkong-bench-pg-"))
    (root / "sock").mkdir()
    if owner:
        for p in (root, root / "sock"):
            os.chown(p, *owner)
    return root


def _extra_server_options() -> str:
    """Server settings to try on a throw-away cluster (``FANGKONG_BENCH_PG_OPTIONS``, e.g.
    ``-c commit_delay=200``); the report names them."""
    return os.environ.get("FANGKONG_BENCH_PG_OPTIONS", "").strip()


def _start_cluster(
    root: Path, data: Path, pg_ctl: str, run_as: list[str], source: str
) -> tuple[PostgresServer | None, str]:
    port = _free_port()
    opts = f"-c listen_addresses=127.0.0.1 -p {port} -k {root / 'sock'}"
    if extra := _extra_server_options():
        opts += f" {extra}"
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
            "-t",
            "600",  # a cached cluster stopped uncleanly replays its WAL first
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
        source=source,
        data_dir=data,
        pg_ctl=pg_ctl,
        run_as=run_as,
        root=root,
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


def discover_postgres() -> tuple[PostgresServer | None, str]:
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
    return start_temp_cluster()


def postgres_database(work_dir: Path) -> tuple[Database | None, str]:
    server, why = discover_postgres()
    if server is None:
        return None, why
    return Database("postgres", work_dir, version=server.version(), server=server), ""
