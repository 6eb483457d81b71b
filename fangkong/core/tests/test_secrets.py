"""Secrets and keys generated on first run (settings.secrets): processes that start together
on a fresh installation all end up with the same keys, and nobody reads a half-written file."""

import json
import multiprocessing
import os
import stat
from pathlib import Path

from fangkong.settings.secrets import load_secrets


def _load(var_dir: str, start, out) -> None:
    start.wait(10)
    out.put(json.dumps(load_secrets(Path(var_dir)), sort_keys=True))


def test_first_run_writes_owner_only_secrets_once(tmp_path, monkeypatch):
    monkeypatch.delenv("FANGKONG_SECRETS_JSON", raising=False)
    var = tmp_path / "var"
    first = load_secrets(var)
    assert set(first) == {"SECRET_KEY", "FIELD_KEYS", "INDEX_KEY"}
    path = var / "secrets.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_secrets(var) == first  # read back, not made again
    assert sorted(p.name for p in var.iterdir()) == ["secrets.json"]  # no stray temp files


def test_processes_starting_together_share_one_set_of_keys(tmp_path, monkeypatch):
    monkeypatch.delenv("FANGKONG_SECRETS_JSON", raising=False)
    var = tmp_path / "var"
    ctx = multiprocessing.get_context("spawn" if os.name == "nt" else "fork")
    start, out = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_load, args=(str(var), start, out)) for _ in range(6)]
    for p in procs:
        p.start()
    start.set()
    seen = {out.get(timeout=30) for _ in procs}
    for p in procs:
        p.join(30)
        assert p.exitcode == 0
    assert len(seen) == 1  # every process got the same keys
    assert json.loads(seen.pop()) == json.loads((var / "secrets.json").read_text())
    assert sorted(p.name for p in var.iterdir()) == ["secrets.json"]
