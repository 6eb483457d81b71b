"""The ingest benchmark's load generator against a small real HTTP server: every request is
answered and counted, on connections the server closes and on kept-alive ones."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench.ingest import Phase, parse_response, request_bytes, run_phase


def _server(protocol: str):
    seen = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = protocol

        def _answer(self, status: int, payload: dict) -> None:
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):
            length = int(self.headers["Content-Length"])
            body = json.loads(self.rfile.read(length))
            seen.append((self.path, self.headers["Authorization"], body))
            self._answer(200 if body.get("ok", True) else 400, {"created": len(body["records"])})

        def do_GET(self):
            seen.append((self.path, self.headers["Authorization"], None))
            self._answer(200, {"now": "2026-11-30T00:00:00Z"})

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, seen


@pytest.mark.parametrize("protocol", ["HTTP/1.0", "HTTP/1.1"])  # closed after each / kept
def test_closed_loop_counts_every_answer(protocol):
    server, seen = _server(protocol)
    try:
        body = json.dumps({"records": [{}, {}]})
        requests = [("POST", "/batch/", body)] * 30 + [("GET", "/clock/", None)] * 20
        phase = run_phase("t", server.server_port, "k", requests, concurrency=4)
    finally:
        server.shutdown()
    assert (phase.requests, phase.errors, phase.scans) == (50, 0, 60)
    assert len(phase.latencies) == 50
    assert sorted(path for path, _auth, _body in seen) == ["/batch/"] * 30 + ["/clock/"] * 20
    assert {auth for _path, auth, _body in seen} == {"Token k"}


def test_open_loop_and_errors():
    server, seen = _server("HTTP/1.1")
    try:
        bad = json.dumps({"records": [{}], "ok": False})
        phase = run_phase(
            "t", server.server_port, "k", [("POST", "/b/", bad)] * 5, concurrency=4, rate=50
        )
    finally:
        server.shutdown()
    # Five requests over four devices: those waiting for their time send no sixth.
    assert (phase.requests, phase.errors, phase.scans, len(seen)) == (5, 5, 0, 5)
    assert phase.offered == 200


def test_parse_response():
    ok = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}NEXT"
    assert parse_response(ok) == (200, b"{}", False, b"NEXT")
    assert parse_response(ok[:30]) is None
    kept = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n"
    assert parse_response(kept) == (400, b"", True, b"")
    to_close = b"HTTP/1.0 200 OK\r\n\r\nabc"
    assert parse_response(to_close) is None
    assert parse_response(to_close, closed=True) == (200, b"abc", False, b"")
    with pytest.raises(ConnectionError):
        parse_response(b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc", closed=True)
    sent = request_bytes("POST", "/x/", '{"a": "é"}', "t0k")
    assert sent.endswith(b'\r\n\r\n{"a": "\xc3\xa9"}')
    assert b"Content-Length: 11\r\n" in sent and b"Authorization: Token t0k\r\n" in sent
    assert b"Content-Length" not in request_bytes("GET", "/x/", None, "t")


def test_a_phase_run_in_parts_counts_their_requests_over_their_summed_time():
    parts = [
        Phase("single", 100, 2.0, [0.010] * 100, scans=100, server_cpu=1.0),
        Phase("single", 300, 2.0, [0.030] * 300, scans=300, server_cpu=3.0, errors=1),
    ]
    merged = Phase.merged(parts)
    assert (merged.requests, merged.seconds, merged.scans, merged.errors) == (400, 4.0, 400, 1)
    assert merged.per_second == 100.0
    assert merged.server_cpu == 4.0
    assert merged.pct(0.5) == pytest.approx(30.0)
    assert merged.pct(0.2) == pytest.approx(10.0)
