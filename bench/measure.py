"""Run one child process and measure it: wall time, peak resident memory, CPU time.

The child is reaped with ``os.wait4``, which returns the resource usage of that child alone
(and of any descendants it waited for): ``ru_maxrss`` is its peak RSS (VmHWM) in KiB on
Linux. The wall time covers interpreter start, Django setup and the work, as a user
running the command would see it.

Linux carries the RSS high-water mark of the process that forks across ``execve``, so a child
started straight from a big process (a long pytest worker, a Django shell) would report the
parent's peak. A small launcher interpreter starts the child instead and hands back its
``wait4`` figures.
"""

from __future__ import annotations

import json
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


def run_measured(
    argv: list[str], *, env: dict[str, str], cwd: Path, log_dir: Path, name: str
) -> Measured:
    log_dir.mkdir(parents=True, exist_ok=True)
    out_path, err_path = log_dir / f"{name}.out", log_dir / f"{name}.err"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        start = time.perf_counter()
        usage_path = log_dir / f"{name}.rusage.json"
        launcher = [sys.executable, "-c", _LAUNCHER, str(usage_path.resolve()), *argv]
        proc = subprocess.Popen(launcher, env=env, cwd=cwd, stdout=out, stderr=err)  # noqa: S603
        proc.wait()
        seconds = time.perf_counter() - start
    usage = json.loads(usage_path.read_text())
    return Measured(
        argv=argv,
        returncode=usage["returncode"],
        seconds=seconds,
        peak_kib=usage["maxrss"],
        cpu_seconds=usage["cpu"],
        stdout_path=out_path,
        stderr_path=err_path,
    )


_LAUNCHER = """
import json, os, subprocess, sys
proc = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(proc.pid, 0)
with open(sys.argv[1], "w") as fh:
    json.dump({"returncode": os.waitstatus_to_exitcode(status), "maxrss": usage.ru_maxrss,
               "cpu": usage.ru_utime + usage.ru_stime}, fh)
"""
