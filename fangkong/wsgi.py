import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangkong.settings.prod")
application = get_wsgi_application()


def _check_keys() -> None:
    """Connect once as the server's process loads the application, so that keys which cannot
    read the database (``core.keycheck``) stop gunicorn at start with the operator's message
    rather than fail the first page. A database not reachable yet (a server started before
    PostgreSQL) is left to the requests, which connect again as they always do."""
    from django.db import DatabaseError, connection

    try:
        connection.ensure_connection()
    except DatabaseError:
        return
    connection.close()  # a request's thread opens its own


_check_keys()


def _start_checkpointer() -> None:
    """On SQLite, this server process copies the write-ahead log into the database between
    requests (``core.dbfiles``), not a request's commit."""
    from django.conf import settings

    from fangkong.core.dbfiles import start_checkpointer

    start_checkpointer(settings.DATABASES["default"])


_start_checkpointer()
