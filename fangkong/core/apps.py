from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "fangkong.core"
    label = "core"
    verbose_name = _("平台核心")

    def ready(self):
        from . import retention

        retention.autodiscover()

        from django.contrib.auth.signals import user_logged_in

        from .middleware import mark_session_seen

        user_logged_in.connect(mark_session_seen, dispatch_uid="fangkong-idle-clock")

        from django.db.models.signals import post_migrate

        from .cache import create_cache_table

        post_migrate.connect(create_cache_table, sender=self, dispatch_uid="fangkong-cache-table")

        from django.db.backends.signals import connection_created

        from .dbfiles import keep_sqlite_private

        connection_created.connect(keep_sqlite_private, dispatch_uid="fangkong-sqlite-private")

        from .keycheck import check_keys_on_connect

        connection_created.connect(check_keys_on_connect, dispatch_uid="fangkong-key-check")

        from .dbstats import refresh_after_migrate

        post_migrate.connect(refresh_after_migrate, sender=self, dispatch_uid="fangkong-db-stats")
