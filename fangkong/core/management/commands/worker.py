"""``fangkong worker``: the django-tasks database worker, after requeueing interrupted imports
and refreshing the planner statistics of the tables that outgrew them (``core.dbstats``),
which it looks at again every few minutes while it runs.

``fangkong serve`` starts (and restarts) this; run it yourself when the web server and the
worker run separately. Same options as ``db_worker``.
"""

from django.utils.translation import gettext as _
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from fangkong.core import dbstats
from fangkong.core.jobs import recover_interrupted_jobs


class Command(DbWorkerCommand):
    help = "Run the background-task worker; first requeue imports a killed worker left behind."

    def handle(self, *args, **options):
        requeued, failed = recover_interrupted_jobs()
        if requeued or failed:
            self.stdout.write(
                _("上次中断的导入任务：%(r)d 个已重新排队，%(f)d 个已标记失败")
                % {"r": requeued, "f": failed}
            )
        # Tables filled through the pages (volunteers signing up, buildings, areas added one
        # by one) are analysed by no import or migration; planned from the one-row statistics
        # they had when empty, a list joining them scanned each inside the other (a city's
        # party-member reports: 22–38 s). Each start of the server looks again (cheap when
        # nothing is stale: one look at each table's largest rowid), and so does a thread
        # every few minutes while the worker runs.
        dbstats.refresh()
        stop = dbstats.start_watching()
        try:
            return super().handle(*args, **options)
        finally:
            stop.set()
