"""The ``fangkong`` console command: Django's management entry point.

Commands are spelt with hyphens on the command line (``fangkong load-demo``) and with
underscores as Django modules (``load_demo``).
"""

import os
import sys

from django.core.exceptions import ImproperlyConfigured
from django.db.utils import OperationalError


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangkong.settings.dev")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv)
    argv[0] = "fangkong"
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    if len(argv) > 1 and argv[1] == "serve":
        # The server others reach (make demo, HOST=0.0.0.0 on an intranet) never shows
        # Django's debug pages: they list every URL and, on an error, the request's values,
        # personal data included. FANGKONG_DEBUG=1 still turns them on deliberately.
        os.environ.setdefault("FANGKONG_DEBUG", "0")
    try:
        execute_from_command_line(argv)
    except (ImproperlyConfigured, OperationalError) as exc:
        if "--traceback" in argv:
            raise
        sys.exit(_environment_problem(exc))
    except KeyboardInterrupt:
        if "--traceback" in argv:
            raise
        # Ctrl-C: the open transaction was rolled back; no traceback to read as a crash.
        print("\n已中断 / interrupted", file=sys.stderr)
        sys.exit(130)


def _environment_problem(exc: Exception) -> str:
    """What the operator reads instead of a traceback when the installation itself is wrong
    (keys, DATABASE_URL, a database that cannot be reached or opened). Bilingual where the
    settings failed: translations need them."""
    if isinstance(exc, ImproperlyConfigured):
        return f"配置错误 / configuration error: {exc}"
    return (
        f"无法使用数据库 / database unavailable: {str(exc).strip()}\n"
        "请检查 DATABASE_URL、数据库服务是否已启动、FANGKONG_VAR_DIR 是否存在且可写"
        "（加 --traceback 查看详情）。 / Check DATABASE_URL, that the database server is "
        "running and that FANGKONG_VAR_DIR exists and is writable (--traceback for details)."
    )


if __name__ == "__main__":
    main()
