"""Locust user for ``python -m bench load``: a signed-in community worker running the mixed
workload of ``bench.workload``. Run by the bench, not by hand (it needs the fixture file named
by ``FANGKONG_LOAD_DATA``: session keys made beforehand, an API token, ids to pick from)."""

import itertools
import json
import os
import random
from pathlib import Path

from locust import HttpUser, between

from bench.workload import SCENARIOS, Context

DATA = json.loads(Path(os.environ["FANGKONG_LOAD_DATA"]).read_text())
_SESSIONS = itertools.cycle(DATA["sessions"])


def _task(s):
    def run(user):
        s.run(user.client, user.ctx)

    run.__name__ = s.name
    return run


class Staff(HttpUser):
    wait_time = between(0.05, 0.3)
    tasks = {_task(s): s.weight for s in SCENARIOS}

    def on_start(self):
        self.ctx = Context(DATA, random.Random())
        # Pages use the session; the API the token (no CSRF round trip).
        self.client.cookies.set("sessionid", next(_SESSIONS))
