"""``python -m bench profile --perf``: where the import's CPU goes, per process and library.

The import runs in-process (the ``cpusplit`` step) under Linux ``perf record`` sampling
CPU time at a fixed rate in every thread of the process tree (the importing process, its
worker processes and their queue threads, which pickle what the queues carry). Each sample
names the shared object it landed in (``libpython`` = the interpreter running our Python,
``libsqlite3``, ``[kernel.kallsyms]`` = system calls such as file reads and writes, ...),
so the table says how many CPU seconds, and µs per row, each role spent in each part, and
how long the serial tail ran (the importing process alone after the last worker sample:
index rebuild and commit). No interpreter support is needed (Python 3.11 has no perf
trampoline), at the cost of not naming Python functions: use ``--worker`` or the cProfile
run for those.
"""

from __future__ import annotations

import shutil
import subprocess
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

FREQUENCY = 499  # samples a second per busy thread (a prime: no lockstep with timers)

# Shared objects grouped into the parts the table shows.
_PARTS = (
    ("libpython", "Python"),
    ("libsqlite3", "SQLite"),
    ("_sqlite3.", "SQLite"),
    ("kernel", "kernel"),
    ("_pickle.", "pickle"),
    ("libcrypto", "crypto"),
    ("_rust.abi3", "crypto"),
    ("_hashlib.", "crypto"),
    ("libc.so", "libc"),
    ("opencc", "OpenCC"),
)
PARTS = ("Python", "SQLite", "kernel", "libc", "pickle", "crypto", "OpenCC", "other")
ROLES = (
    "importing process",
    "importing process, queue thread",
    "workers",
    "workers, queue threads",
)


def available() -> bool:
    return shutil.which("perf") is not None


def record_argv(out: Path, argv: list[str]) -> list[str]:
    perf = shutil.which("perf") or "perf"
    return [perf, "record", "-F", str(FREQUENCY), "-o", str(out), "--", *argv]


def part_of(dso: str) -> str:
    for needle, part in _PARTS:
        if needle in dso:
            return part
    return "other"


@dataclass
class Split:
    seconds: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    wall: float = 0.0  # first to last sample
    tail: float = 0.0  # after the last worker sample

    def total(self, role: str | None = None) -> float:
        roles = [role] if role else list(self.seconds)
        return sum(sum(self.seconds[r].values()) for r in roles)


def parse(lines: Iterable[str], frequency: int = FREQUENCY) -> Split:
    """``perf script -F pid,tid,time,ip,dso`` lines → seconds per role and part."""
    samples: list[tuple[int, int, float, str]] = []
    for line in lines:
        head, _, rest = line.partition(":")
        ids, _, stamp = head.strip().partition(" ")
        pid, _, tid = ids.partition("/")
        try:
            sample = (int(pid), int(tid), float(stamp))
        except ValueError:
            continue
        dso = rest[rest.rfind("(") + 1 : rest.rfind(")")] if "(" in rest else "?"
        samples.append((*sample, dso))
    split = Split()
    if not samples:
        return split
    main = min(samples, key=lambda s: s[2])[0]  # the first process sampled started the rest
    step = 1 / frequency
    last_worker = None
    for pid, tid, stamp, dso in samples:
        if pid == main:
            role = ROLES[0] if tid == pid else ROLES[1]
        else:
            role = ROLES[2] if tid == pid else ROLES[3]
            last_worker = stamp if last_worker is None else max(last_worker, stamp)
        split.seconds[role][part_of(dso)] += step
    first, last = min(s[2] for s in samples), max(s[2] for s in samples)
    split.wall = last - first
    split.tail = last - last_worker if last_worker is not None else 0.0
    return split


def read(data: Path) -> Split:
    perf = shutil.which("perf") or "perf"
    out = subprocess.run(  # noqa: S603 — our own perf.data file
        [perf, "script", "-i", str(data), "-F", "pid,tid,time,ip,dso"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return parse(out.splitlines())


def render(split: Split, rows: int) -> str:
    """CPU seconds and µs per row, one line per role, one column per part."""
    per_row = 1e6 / rows if rows else 0.0
    head = f"{'':34}" + "".join(f"{p:>9}" for p in PARTS) + f"{'total':>9}"
    lines = ["CPU s (µs per row below each) by process and part:", head]
    for role in ROLES:
        got = split.seconds.get(role)
        if not got:
            continue
        lines.append(
            f"{role:34}" + "".join(f"{got[p]:9.1f}" for p in PARTS) + f"{sum(got.values()):9.1f}"
        )
        lines.append(
            f"{'  µs/row':34}"
            + "".join(f"{got[p] * per_row:9.1f}" for p in PARTS)
            + f"{sum(got.values()) * per_row:9.1f}"
        )
    lines.append(
        f"all: {split.total():.1f} CPU s over {split.wall:.1f} s sampled; serial tail "
        f"(importing process alone after the last worker sample) {split.tail:.1f} s"
    )
    return "\n".join(lines)
