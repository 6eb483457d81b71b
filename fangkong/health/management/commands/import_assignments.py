"""``fangkong import-assignments FILE --area CODE``: import a 协查名单 (quarantine and
health-monitoring arrangements a command office hands down).

Rows are matched to residents already registered inside the area by ID number and checked
by the rules of ``create_assignment``. Options and exit status as ``import-residents``
(0 nothing rejected; 1 rows rejected; 2 unusable input).
"""

from __future__ import annotations

from fangkong.registry.management.commands.import_residents import Command as ImportCommand


class Command(ImportCommand):
    help = (
        "Import quarantine and health-monitoring arrangements (协查名单) from an Excel or CSV "
        "file, matched to residents of the area by ID number (all or nothing unless "
        "--skip-invalid)."
    )
    importer = "health.assignment"
    area_help = "code of the area whose residents the rows name (default: the root area)"
