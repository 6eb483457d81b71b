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

from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.db import connections, router, transaction
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
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        with transaction.atomic(using=db):
            if connection.features.has_select_for_update:
                table = connection.ops.quote_name(self._table)
                with connection.cursor() as cursor:
                    cursor.execute(
                        f"SELECT 1 FROM {table} WHERE cache_key = %s FOR UPDATE",  # noqa: S608
                        [self.make_and_validate_key(key, version=version)],
                    )
            return super().incr(key, delta, version)


def create_cache_table(sender, using: str = "default", **kwargs) -> None:
    """``post_migrate``: every ``migrate`` (``make demo``, the benchmark, tests) makes the
    table; ``createcachetable`` skips it when it exists."""
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=0)
