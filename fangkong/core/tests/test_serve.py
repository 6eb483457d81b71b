"""``fangkong serve`` end to end: a real server process and its worker, stopped by Ctrl-C."""

import contextlib
import http.client
import os
import re
import signal
import subprocess
import sys
import time

from django.urls import reverse

from fangkong.core.testing.postgres import free_port


def _env(var_dir) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "FANGKONG_DEBUG")}
    env.update(
        DJANGO_SETTINGS_MODULE="fangkong.settings.dev",
        FANGKONG_VAR_DIR=str(var_dir),
        PYTHONUNBUFFERED="1",
    )
    return env


def _read_until(process, marker: str, timeout: float = 60) -> str:
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        seen.append(line)
        if marker in line:
            return "".join(seen)
    raise AssertionError(f"no {marker!r} in output:\n{''.join(seen)}")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_serve_runs_web_and_worker_and_ctrl_c_stops_both(tmp_path):
    env = _env(tmp_path)
    fangkong = [sys.executable, "-m", "fangkong"]
    subprocess.run([*fangkong, "migrate", "-v0"], env=env, check=True, timeout=120)
    port = free_port()
    process = subprocess.Popen(
        [*fangkong, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        banner = _read_until(process, "按 Ctrl-C 停止")
        assert f"防控平台已启动：http://127.0.0.1:{port}/" in banner
        assert "数据库还有" not in banner
        worker_pid = int(re.search(r"后台任务进程已启动（pid (\d+)）", banner).group(1))
        assert _alive(worker_pid)

        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/")
        response = conn.getresponse()
        response.read()
        # Every page needs a signed-in user: the server answers with the login redirect.
        assert response.status == 302
        assert response.getheader("Location") == f"{reverse('login')}?next=/"
        # Never Django's debug pages, which list every URL (and an error's values).
        conn.request("GET", "/no-such-page/")
        missing = conn.getresponse()
        body = missing.read().decode()
        assert missing.status == 404
        assert "URLconf" not in body and "页面不存在" in body

        process.send_signal(signal.SIGINT)
        rest, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0
    assert rest.rstrip().endswith("已停止。")
    assert not _alive(worker_pid)


def _forwarded_seen_by_the_app(settings_trust: bool, settings) -> str:
    """What a WSGI app behind ``fangkong serve``'s waitress sees of ``X-Forwarded-For``."""
    import threading

    from waitress.server import create_server

    from fangkong.core.management.commands.serve import server_options

    settings.FANGKONG_TRUST_X_FORWARDED_FOR = settings_trust

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [environ.get("HTTP_X_FORWARDED_FOR", "-").encode()]

    server = create_server(app, host="127.0.0.1", port=0, threads=1, **server_options())

    def run():
        # Its socket closed under the loop is how a test stops waitress.
        with contextlib.suppress(OSError):
            server.run()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", server.effective_port, timeout=10)
        conn.request("GET", "/", headers={"X-Forwarded-For": "203.0.113.5, 198.51.100.7"})
        return conn.getresponse().read().decode()
    finally:
        server.close()
        thread.join(timeout=10)


def test_a_trusted_proxys_forwarded_for_reaches_the_app(settings):
    # Behind a proxy the rate limits count the address it appended; waitress clears the
    # header unless told otherwise, so without this every client shared the proxy's bucket.
    assert _forwarded_seen_by_the_app(True, settings) == "203.0.113.5, 198.51.100.7"


def test_without_a_proxy_the_forwarded_header_is_dropped(settings):
    assert _forwarded_seen_by_the_app(False, settings) == "-"
