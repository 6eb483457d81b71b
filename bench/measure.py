"""Run one child process and measure it: wall time, peak resident memory, CPU time.

The child is reaped with ``os.wait4``, which returns the resource usage of that child alone
(and of any descendants it waited for): ``ru_maxrss`` is its peak RSS (VmHWM) in KiB on
Linux. The wall time covers interpreter start, Django setup and the work, as a user
running the command would see it.
"""

from __future__ import annotations

import os
import subprocess
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
        proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=out, stderr=err)  # noqa: S603
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Measured(
        argv=argv,
        returncode=proc.returncode,
        seconds=seconds,
        peak_kib=usage.ru_maxrss,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        stdout_path=out_path,
        stderr_path=err_path,
    )
