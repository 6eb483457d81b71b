"""``fangkong serve``: the web server (waitress) and the background-task worker together.

Waitress is a pure-Python, multi-threaded WSGI server that runs the same on a laptop, an
intranet Linux box or Windows; static files come from WhiteNoise. The django-tasks database
worker (``fangkong worker``: ``db_worker`` after requeueing imports a killed worker left
behind) runs as a child process for imports and exports; it is restarted if it dies, and
Ctrl-C (or SIGTERM) stops both.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor
from django.utils.translation import gettext as _

WORKER_COMMAND = ["worker", "--no-reload", "--queue-name", "*", "--interval", "1"]
WORKER_STOP_SECONDS = 10


def uses_database_worker() -> bool:
    backend = settings.TASKS.get("default", {}).get("BACKEND", "")
    return backend.startswith("django_tasks_db.")


def server_options() -> dict:
    """Waitress's options beyond host, port and threads.

    Waitress deletes every ``X-Forwarded-*`` header unless told a proxy is trusted, so behind
    a reverse proxy neither the rate limits (the client's address) nor ``prod``'s
    ``SECURE_PROXY_SSL_HEADER`` would see what the proxy sent. With
    ``FANGKONG_TRUST_X_FORWARDED_FOR`` the headers reach Django as under gunicorn, and
    ``core.ratelimit`` reads the entry the proxy appended."""
    if settings.FANGKONG_TRUST_X_FORWARDED_FOR:
        return {"clear_untrusted_proxy_headers": False}
    return {}


def pending_migrations() -> int:
    connection = connections[DEFAULT_DB_ALIAS]
    executor = MigrationExecutor(connection)
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


class Worker:
    """The task worker as a child process, restarted (with a pause) when it exits."""

    def __init__(self, stdout, verbosity: int):
        self.stdout = stdout
        self.verbosity = verbosity
        self.process: subprocess.Popen | None = None
        self.stopping = threading.Event()
        self.watcher: threading.Thread | None = None

    def command(self) -> list[str]:
        return [sys.executable, "-m", "fangkong", *WORKER_COMMAND, "-v", str(self.verbosity)]

    def start(self) -> int:
        self.process = subprocess.Popen(self.command())  # noqa: S603 - our own interpreter
        if self.watcher is None:
            self.watcher = threading.Thread(target=self._watch, daemon=True)
            self.watcher.start()
        return self.process.pid

    def _watch(self) -> None:
        while not self.stopping.wait(2):
            if self.process is not None and self.process.poll() is not None:
                # On Ctrl-C the worker gets the signal too; give shutdown a moment to say so.
                if self.stopping.wait(1):
                    return
                self.stdout.write(
                    _("后台任务进程已退出（代码 %(code)s），5 秒后重启")
                    % {"code": self.process.returncode}
                )
                if self.stopping.wait(5):
                    return
                self.start()

    def stop(self) -> None:
        self.stopping.set()
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(WORKER_STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = "Run the web server and the background-task worker; Ctrl-C stops both."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
        parser.add_argument("--port", type=int, default=8000, help="port (8000)")
        parser.add_argument("--threads", type=int, default=8, help="web server threads (8)")
        parser.add_argument(
            "--no-worker", action="store_true", help="do not start the background-task worker"
        )

    def handle(self, *args, host, port, threads, no_worker, verbosity, **options):
        from waitress.server import create_server

        pending = pending_migrations()
        if pending:
            self.stderr.write(
                _("数据库还有 %(n)d 个迁移未执行，请先运行：fangkong migrate") % {"n": pending}
            )
        if not settings.DEBUG:
            call_command("collectstatic", interactive=False, verbosity=0)
        # After collectstatic: WhiteNoise indexes STATIC_ROOT once, when the app is built.
        from fangkong.wsgi import application

        try:
            server = create_server(
                application, host=host, port=port, threads=threads, **server_options()
            )
        except OSError as e:
            raise CommandError(
                _("无法监听 %(host)s:%(port)s（%(err)s）。端口是否已被占用？可用 --port 换一个端口")
                % {"host": host, "port": port, "err": e.strerror}
            ) from None

        worker = None
        if not no_worker and uses_database_worker():
            worker = Worker(self.stdout, verbosity)
        # Explicit handlers: a shell that starts us in the background ignores SIGINT.
        previous = {
            sig: signal.signal(sig, _raise_interrupt) for sig in (signal.SIGINT, signal.SIGTERM)
        }
        try:
            worker_pid = worker.start() if worker else None
            self.banner(host, port, worker_pid)
            server.run()
        except KeyboardInterrupt:
            self.stdout.write(_("正在停止……"))
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            server.close()
            if worker:
                worker.stop()
        self.stdout.write(_("已停止。"))

    def banner(self, host: str, port: int, worker_pid: int | None) -> None:
        from fangkong.demo.accounts import accounts_file, existing_demo_accounts, role_label

        shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104
        w = self.stdout.write
        w("")
        w(_("防控平台已启动：http://%(h)s:%(p)s/") % {"h": shown, "p": port})
        if worker_pid:
            w(_("后台任务进程已启动（pid %(pid)d）") % {"pid": worker_pid})
        else:
            w(_("未启动后台任务进程"))
        if host not in ("127.0.0.1", "localhost") and host not in settings.ALLOWED_HOSTS:
            w(_("从其他电脑访问时，请把本机地址加入环境变量 FANGKONG_ALLOWED_HOSTS（逗号分隔）"))
        try:
            accounts = existing_demo_accounts()
        except DatabaseError:  # not migrated yet: said above
            accounts = []
        if accounts:
            w(_("演示账号（每个角色一个）："))
            for user in accounts:
                area = user.area.full_name() if user.area_id else ""
                w(f"  {user.username:<10} {role_label(user)} · {area}")
            path = accounts_file()
            if path.exists():
                w(_("密码保存在 %(f)s（仅本机当前用户可读）") % {"f": path})
            else:
                w(_("密码文件不存在：运行 fangkong load-demo --reset-passwords 重新生成"))
        w(_("按 Ctrl-C 停止。"))
        w("")
        self.stdout.flush()
