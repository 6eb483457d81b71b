import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# On Linux a child's ru_maxrss also counts the memory of the process that spawned it (exec
# records the old address space's high-water mark), so measuring from inside a big pytest
# worker reports the worker's size. The measurement runs from a small interpreter instead,
# as it does in ``python -m bench``.
MEASURE = """
import json, sys
from pathlib import Path
from bench.measure import run_measured
code = (
    "b = bytearray(120 * 1024 * 1024)\\n"
    "b[::4096] = b'x' * len(b[::4096])\\n"
    "print('done')\\n"
    "raise SystemExit(3)\\n"
)
tmp = Path(sys.argv[1])
m = run_measured([sys.executable, "-c", code], env={}, cwd=tmp, log_dir=tmp, name="child")
print(json.dumps({"rc": m.returncode, "out": m.stdout, "mb": m.peak_mb, "s": m.seconds,
                  "cpu": m.cpu_seconds}))
"""


def test_peak_memory_exit_code_and_output_of_the_child(tmp_path):
    proc = subprocess.run(  # noqa: S603
        [sys.executable, "-c", MEASURE, str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    m = json.loads(proc.stdout)
    assert m["rc"] == 3
    assert m["out"] == "done\n"
    assert 120 <= m["mb"] < 220
    assert m["s"] > 0
    assert m["cpu"] > 0
