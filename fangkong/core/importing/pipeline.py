"""The import's second core: rows evaluated in worker processes while the parent writes.

Parsing, validating, encrypting and indexing a row (``_Run.evaluate``) needs no database,
so a large file is cut into chunks that forked worker processes evaluate while the parent
process, which holds the import's one transaction, checks duplicates, writes and audits the
chunks before them, in input order. At most ``2 × workers`` chunks are in flight, so memory
stays bounded however long the file.

All or nothing still holds: only the parent writes. A worker that dies (a crash, a kill)
makes the parent raise, which rolls the transaction back; a parent that dies takes its
workers with it (they watch it), and its transaction dies with its connection.

Workers must not use the database: they share the parent's connection objects, so any
query a worker attempts is stopped before it reaches the connection and that row is sent
back for the parent to evaluate itself (a cache the first chunk did not fill, e.g. an
unknown grid name). The parent evaluates the first chunk before forking for that reason.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import multiprocessing
import os
import queue
import signal
import traceback
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.db import connections

# A row the worker could not evaluate without the database: the parent evaluates it.
BOUNCE = "bounce"
# After this many such rows a worker stops trying and hands every later row back.
MAX_BOUNCES = 100
_POLL_SECONDS = 0.5


class ImportWorkerError(RuntimeError):
    """A worker process died or failed: the import is abandoned (and rolled back)."""


class _NeedsDatabase(Exception):
    pass


def workers_for(total_estimate: int | None) -> int:
    """Worker processes for a file of about ``total_estimate`` rows (0: evaluate in-process).

    Two by default: once the importing process's inserts and audit got cheaper, one worker
    was the slower side (1,000,000 rows on SQLite: 130.4 s with one, 101.9 s with two, 289
    MB summed; docs/benchmarks.md, session 7)."""
    n = int(getattr(settings, "FANGKONG_IMPORT_WORKERS", 2))
    least = int(getattr(settings, "FANGKONG_IMPORT_WORKERS_MIN_ROWS", 20_000))
    if n < 1 or total_estimate is None or total_estimate < least:
        return 0
    if "fork" not in multiprocessing.get_all_start_methods():
        return 0
    return n


Chunk = list[tuple[int, list]]
Evaluate = Callable[[int, list], Any]


class Pipeline:
    """Chunks of ``(row number, cells)`` in, ``(chunk, results)`` out in the same order.

    ``evaluate(rowno, cells)`` runs in the workers; ``on_fork()`` runs in each worker first
    (e.g. a fresh encryption nonce pool); ``ctx`` carries warnings and counts back.
    """

    def __init__(self, evaluate: Evaluate, *, workers: int, ctx, on_fork: Callable[[], None]):
        mp = multiprocessing.get_context("fork")
        self.tasks = mp.Queue()
        self.results = mp.Queue()
        self.max_in_flight = 2 * workers
        self.ctx = ctx
        parent = os.getpid()
        self.procs = [
            mp.Process(
                target=_work,
                args=(evaluate, on_fork, ctx, self.tasks, self.results, parent),
                daemon=True,
                name=f"import-worker-{i}",
            )
            for i in range(workers)
        ]
        # Objects the workers inherit stay shared only while nothing writes to their pages:
        # frozen, the collector never walks them (in the workers or here) and copies them.
        gc.collect()
        gc.freeze()
        # Give back the heap's free pages first: each process would write into its own copy
        # of them (1,000,000 rows: 14 MB less at the peak, docs/benchmarks.md, session 25).
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None).malloc_trim(0)
        for p in self.procs:
            p.start()

    def map(self, chunks: Iterator[Chunk]) -> Iterator[tuple[Chunk, list]]:
        sent: dict[int, Chunk] = {}
        done: dict[int, list] = {}
        next_out = 0
        for seq, chunk in enumerate(chunks):
            self.tasks.put((seq, chunk))
            sent[seq] = chunk
            while len(sent) >= self.max_in_flight:
                yield sent.pop(next_out), self._result(next_out, done)
                next_out += 1
        while sent:
            yield sent.pop(next_out), self._result(next_out, done)
            next_out += 1

    def _result(self, seq: int, done: dict[int, list]) -> list:
        while seq not in done:
            try:
                got, status, payload, warnings, counts = self.results.get(timeout=_POLL_SECONDS)
            except queue.Empty:
                dead = [p for p in self.procs if not p.is_alive()]
                if not dead:
                    continue
                try:  # what it sent just before it ended
                    got, status, payload, warnings, counts = self.results.get(timeout=1)
                except queue.Empty:
                    raise ImportWorkerError(
                        f"import worker {dead[0].name} ended (exit code {dead[0].exitcode})"
                    ) from None
            if status == "error":
                raise ImportWorkerError(f"import worker failed:\n{payload}")
            self.ctx.warnings.extend(w for w in warnings if w not in self.ctx.warnings)
            for key, n in counts.items():
                self.ctx.count(key, n)
            done[got] = payload
        return done.pop(seq)

    def close(self, *, abort: bool = False) -> None:
        """Stop the workers: after the last chunk, or at once (``abort``) on an error."""
        if abort:
            self.tasks.cancel_join_thread()  # a dead or killed worker reads nothing more
        else:
            for _p in self.procs:
                self.tasks.put(None)
        for p in self.procs:
            if abort:
                p.kill()
            p.join(timeout=5)
            if p.is_alive():
                p.kill()
                p.join()
        self.tasks.close()
        self.results.close()
        gc.unfreeze()


def _die_with(parent: int) -> None:
    """Linux: the kernel kills this worker the moment its parent dies, even mid-chunk (the
    queue poll below only notices between chunks, and a starved worker may take long)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # it died before the prctl took effect
        os._exit(0)


def _work(evaluate, on_fork, ctx, tasks, results, parent: int) -> None:
    _die_with(parent)
    # ``python -m bench profile --worker``: each worker writes its own cProfile.
    profile_dir = os.environ.get("FANGKONG_IMPORT_PROFILE_WORKER")
    if not profile_dir:
        _serve(evaluate, on_fork, ctx, tasks, results, parent)
        return
    import cProfile

    profiler = cProfile.Profile()
    try:
        profiler.runcall(_serve, evaluate, on_fork, ctx, tasks, results, parent)
    finally:
        profiler.dump_stats(os.path.join(profile_dir, f"worker-{os.getpid()}.prof"))


def _serve(evaluate, on_fork, ctx, tasks, results, parent: int) -> None:
    blocked = _block_database()
    on_fork()
    bounces = 0
    while True:
        try:
            task = tasks.get(timeout=_POLL_SECONDS)
        except queue.Empty:
            if os.getppid() != parent:  # the parent died: its transaction is gone
                results.cancel_join_thread()  # nobody reads what is still queued
                return
            continue
        if task is None:
            return
        seq, chunk = task
        warned, counted = len(ctx.warnings), dict(ctx.extra)
        out = []
        try:
            for rowno, cells in chunk:
                if bounces >= MAX_BOUNCES:
                    out.append(BOUNCE)
                    continue
                blocked[0] = False
                try:
                    out.append(evaluate(rowno, cells))
                except Exception:
                    if not blocked[0]:
                        raise
                    bounces += 1
                    out.append(BOUNCE)
        except Exception:
            results.put((seq, "error", traceback.format_exc(), [], {}))
            return
        counts = {k: v - counted.get(k, 0) for k, v in ctx.extra.items() if v != counted.get(k, 0)}
        results.put((seq, "ok", out, ctx.warnings[warned:], counts))


def _block_database() -> list[bool]:
    """Stop every query of this (forked) process before it reaches the shared connection;
    ``flag[0]`` turns true when one was stopped."""
    flag = [False]

    def refuse(execute, sql, params, many, context):
        flag[0] = True
        raise _NeedsDatabase

    for conn in connections.all():
        conn.execute_wrappers.append(refuse)
    return flag
