"""Run one child process and measure it: wall time, peak resident memory, CPU time.

The child is reaped with ``os.wait4`` (by a small launcher, see ``_LAUNCHER``), which
returns the resource usage of that child alone (and of any descendants it waited for):
``ru_maxrss`` is its peak RSS (VmHWM) in KiB on Linux. The wall time covers interpreter
start, Django setup and the work, as a user running the command would see it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Measured:
    argv: list[str]
    returncode: int
    seconds: float
    peak_kib: int
    cpu_seconds: float
    stdout_path: Path
    stderr_path: Path

    @property
    def peak_mb(self) -> float:
        return self.peak_kib / 1024

    @property
    def stdout(self) -> str:
        return self.stdout_path.read_text(encoding="utf-8", errors="replace")

    def stderr_tail(self, lines: int = 20) -> str:
        text = self.stderr_path.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])


# Linux carries the spawning process's RSS high-water mark into a child's ``ru_maxrss`` (at
# fork and at exec), so a child spawned straight from a big pytest worker reports at least the
# worker's size. A tiny launcher spawns the measured command and reports that grandchild's own
# usage, which starts from the launcher's few MB.
_LAUNCHER = """
import json, os, sys
pid = os.posix_spawnp(sys.argv[2], sys.argv[2:], os.environ)
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as f:
    json.dump([status, usage.ru_maxrss, usage.ru_utime + usage.ru_stime], f)
"""


def run_measured(
    argv: list[str], *, env: dict[str, str], cwd: Path, log_dir: Path, name: str
) -> Measured:
    log_dir.mkdir(parents=True, exist_ok=True)
    out_path, err_path = log_dir / f"{name}.out", log_dir / f"{name}.err"
    usage_path = log_dir / f"{name}.usage.json"
    launcher = [sys.executable, "-S", "-c", _LAUNCHER, str(usage_path), *argv]
    with out_path.open("wb") as out, err_path.open("wb") as err:
        start = time.perf_counter()
        subprocess.run(launcher, env=env, cwd=cwd, stdout=out, stderr=err, check=True)  # noqa: S603
        seconds = time.perf_counter() - start
    status, peak_kib, cpu_seconds = json.loads(usage_path.read_text())
    return Measured(
        argv=argv,
        returncode=os.waitstatus_to_exitcode(status),
        seconds=seconds,
        peak_kib=peak_kib,
        cpu_seconds=cpu_seconds,
        stdout_path=out_path,
        stderr_path=err_path,
    )
