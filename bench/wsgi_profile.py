"""A WSGI wrapper for diagnosing the server: each request profiled with cProfile on its own
thread's CPU clock, the stats of a worker process dumped at exit (``BENCH_PROFILE_DIR``).
Development only: ``gunicorn bench.wsgi_profile:application``."""

from __future__ import annotations

import atexit
import cProfile
import os
import pstats
import threading
import time
from pathlib import Path

from fangkong.wsgi import application as _app

_lock = threading.Lock()
_stats: list[pstats.Stats] = []
_totals = {"requests": 0, "thread_cpu": 0.0, "process_cpu_start": time.process_time()}


def application(environ, start_response):
    prof = cProfile.Profile(time.thread_time)
    t0 = time.thread_time()
    prof.enable()
    try:
        result = _app(environ, start_response)
        body = b"".join(result)
        if hasattr(result, "close"):
            result.close()
    finally:
        prof.disable()
    spent = time.thread_time() - t0
    with _lock:
        _totals["requests"] += 1
        _totals["thread_cpu"] += spent
        _stats.append(pstats.Stats(prof))
    return [body]


@atexit.register
def _dump() -> None:
    out = Path(os.environ.get("BENCH_PROFILE_DIR", "var/bench/ingest"))
    if not _stats:
        return
    merged = _stats[0]
    for s in _stats[1:]:
        merged.add(s)
    path = out / f"server-profile-{os.getpid()}.txt"
    with path.open("w") as fh:
        fh.write(
            f"requests {_totals['requests']} thread_cpu {_totals['thread_cpu']:.3f} "
            f"process_cpu {time.process_time() - _totals['process_cpu_start']:.3f}\n"
        )
        merged.stream = fh
        merged.sort_stats("tottime").print_stats(50)
        merged.sort_stats("cumulative").print_stats(60)
