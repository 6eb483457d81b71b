"""Run one child process and measure it: wall time, peak resident memory, CPU time.

The child is reaped with ``os.wait4``, which returns the resource usage of that child (CPU
includes the descendants it waited for, e.g. import workers): ``ru_maxrss`` is its own peak
RSS (VmHWM) in KiB on Linux. A child that starts processes of its own (the import's worker
processes) is also sampled every 0.2 s as a process tree: the peak figure is the larger of
its own ``ru_maxrss`` and the tree's peak summed PSS (``/proc/PID/smaps_rollup``: pages
shared after a fork counted once, split among the processes sharing them); the tree's
summed RSS, which counts those shared pages once per process, is recorded beside it. The
wall time covers interpreter start, Django setup and the work, as a user running the
command would see it.

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
    tree_rss_kib: int = 0  # peak of the tree's summed RSS (shared pages counted per process)
    processes: int = 1  # most processes seen in the tree at once

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
        peak_kib=max(usage["maxrss"], usage.get("tree_pss", 0)),
        cpu_seconds=usage["cpu"],
        stdout_path=out_path,
        stderr_path=err_path,
        tree_rss_kib=usage.get("tree_rss", 0),
        processes=usage.get("processes", 1),
    )


_LAUNCHER = """
import json, os, subprocess, sys, time

def tree(root):
    kids = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            kids.setdefault(ppid, []).append(int(name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(kids.get(pid, ()))
    return out

def memory(pids):
    pss = rss = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as fh:
                for line in fh:
                    if line.startswith("Pss:"):
                        pss += int(line.split()[1])
                    elif line.startswith("Rss:"):
                        rss += int(line.split()[1])
        except OSError:
            pass
    return pss, rss

proc = subprocess.Popen(sys.argv[2:])
peak_pss = peak_rss = most = 0
while True:
    pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
    if pid:
        break
    pids = tree(proc.pid)
    pss, rss = memory(pids)
    peak_pss, peak_rss, most = max(peak_pss, pss), max(peak_rss, rss), max(most, len(pids))
    time.sleep(0.2)
with open(sys.argv[1], "w") as fh:
    json.dump({"returncode": os.waitstatus_to_exitcode(status), "maxrss": usage.ru_maxrss,
               "cpu": usage.ru_utime + usage.ru_stime, "tree_pss": peak_pss,
               "tree_rss": peak_rss, "processes": most}, fh)
"""
