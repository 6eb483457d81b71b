"""Two server processes writing at the same moment, on PostgreSQL: for tests that hold a
rule checked by reading (one running quarantine a person, …) against two sessions that
would both pass the check before either has written."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, connections, transaction


@dataclass
class Race:
    first: BaseException | None  # what each raised (None: it committed)
    second: BaseException | None
    second_waited: bool  # the second was seen waiting for a lock the first held
    second_result: object = None  # what the second returned


def second_while_first_uncommitted(
    first: Callable[[], object], second: Callable[[], object], *, timeout: float = 10
) -> Race:
    """Run ``first`` in its own session's transaction and keep it open (written, not
    committed) while ``second`` runs in another session; commit the first once the second
    waits for one of its locks, or has finished without waiting (within ``timeout``)."""
    written, release = threading.Event(), threading.Event()
    outcome: dict[str, BaseException | None] = {}
    returned: dict[str, object] = {}

    def run(name: str, fn: Callable[[], object], hold: bool) -> None:
        try:
            with transaction.atomic():
                returned[name] = fn()
                if hold:
                    written.set()
                    release.wait(timeout)
            outcome[name] = None
        except BaseException as e:  # reported to the test's thread
            outcome[name] = e
        finally:
            written.set()
            connections.close_all()

    one = threading.Thread(target=run, args=("first", first, True))
    one.start()
    written.wait(timeout)
    two = threading.Thread(target=run, args=("second", second, False))
    two.start()
    waited = False
    deadline = time.monotonic() + timeout / 2
    with connection.cursor() as cur:
        while not waited and two.is_alive() and time.monotonic() < deadline:
            cur.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            waited = bool(cur.fetchone()[0])
            time.sleep(0.02)
    release.set()
    one.join(timeout)
    two.join(timeout)
    return Race(outcome.get("first"), outcome.get("second"), waited, returned.get("second"))
