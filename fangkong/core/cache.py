"""The cache every process of a deployment shares, and the one each process keeps to itself.

``default`` (``SharedDatabaseCache``) holds the counters that must hold across gunicorn's
worker processes and across app servers on one PostgreSQL: sign-in lockout of unknown names
and per-address throttling (``accounts.security``), the API token throttle (DRF), the
volunteer sign-up limit. It lives in the deployment's own database (table
``fangkong_cache``, made by ``migrate``), so it needs no extra service and is backed up with
nothing worth restoring. Only those rare writes (a failed sign-in, a sign-up) read it.

``local`` (``local_cache``) is per process: for limits on hot paths (the public scan page)
where a shared counter would cost a database write per request; each worker counts alone.
"""

from __future__ import annotations

import datetime

from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.db import connections, models, router, transaction
from django.utils import timezone
from django.utils.connection import ConnectionProxy

TABLE = "fangkong_cache"

local_cache = ConnectionProxy(caches, "local")


class SharedDatabaseCache(DatabaseCache):
    """Django's database cache with an ``incr`` that counts every parallel call.

    Django's ``incr`` is get-then-set: two workers failing a sign-in at the same moment
    would both write ``n + 1``. Here the row is locked first (``SELECT … FOR UPDATE`` on
    PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` transactions already run one writer at a time).
    """

    def incr(self, key, delta=1, version=None):
        """``key``'s value plus ``delta``, the row keeping its expiry: a counter's window
        runs from its first event (Django's ``incr`` sets the value again with the default
        timeout, so every retry pushed a throttle's window five minutes on)."""
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        cache_key = self.make_and_validate_key(key, version=version)
        table = connection.ops.quote_name(self._table)
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        with transaction.atomic(using=db), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT expires FROM {table} WHERE cache_key = %s{lock}",  # noqa: S608
                [cache_key],
            )
            row = cursor.fetchone()
            value = self.get(key, version=version) if row is not None else None
            if value is None:
                raise ValueError(f"Key '{key}' not found")
            left = (_as_datetime(row[0], connection) - timezone.now()).total_seconds()
            if left <= 0:
                raise ValueError(f"Key '{key}' not found")
            value += delta
            self.set(key, value, timeout=left, version=version)
        return value


def _as_datetime(value, connection) -> datetime.datetime:
    """A stored ``expires`` as Django's own database cache reads it."""
    expression = models.Expression(output_field=models.DateTimeField())
    converters = connection.ops.get_db_converters(expression) + expression.get_db_converters(
        connection
    )
    for converter in converters:
        value = converter(value, expression, connection)
    return value


def create_cache_table(sender, using: str = "default", **kwargs) -> None:
    """``post_migrate``: every ``migrate`` (``make demo``, the benchmark, tests) makes the
    table; ``createcachetable`` skips it when it exists."""
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=0)
