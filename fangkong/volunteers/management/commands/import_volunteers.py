"""``fangkong import-volunteers FILE --area CODE``: import a volunteer list kept in Excel.

Rows are matched by ID number (a re-import updates, never duplicates); new volunteers enter
the reserve pool. Options and exit status as ``import-residents`` (0 nothing rejected;
1 rows rejected; 2 unusable input).
"""

from __future__ import annotations

from fangkong.registry.management.commands.import_residents import Command as ImportCommand


class Command(ImportCommand):
    help = (
        "Import volunteers from an Excel or CSV file into the area's communities, matched by "
        "ID number (all or nothing unless --skip-invalid)."
    )
    importer = "volunteers.volunteer"
    area_help = "code of the community (or a larger area) the rows belong to (default: root)"
