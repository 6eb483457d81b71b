"""The ``fangkong`` console command: Django's management entry point.

Commands are spelt with hyphens on the command line (``fangkong load-demo``) and with
underscores as Django modules (``load_demo``).
"""

import os
import sys


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
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
