import sys

from bench.measure import run_measured


def test_peak_memory_exit_code_and_output_of_the_child(tmp_path):
    code = (
        "b = bytearray(120 * 1024 * 1024)\n"
        "b[::4096] = b'x' * len(b[::4096])\n"
        "print('done')\n"
        "raise SystemExit(3)\n"
    )
    m = run_measured(
        [sys.executable, "-c", code], env={}, cwd=tmp_path, log_dir=tmp_path, name="child"
    )
    assert m.returncode == 3
    assert m.stdout == "done\n"
    assert 120 <= m.peak_mb < 220
    assert m.seconds > 0
    assert m.cpu_seconds > 0
