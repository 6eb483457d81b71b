"""``fangkong import-duty-roster FILE --area CODE``: import a unit's duty roster (值班表).

Options and exit status as ``import-residents`` (0 nothing rejected; 1 rows rejected;
2 unusable input).
"""

from __future__ import annotations

from fangkong.registry.management.commands.import_residents import Command as ImportCommand


class Command(ImportCommand):
    help = (
        "Import a duty roster (one shift per row: unit, person, role, start, end) from an "
        "Excel or CSV file (all or nothing unless --skip-invalid)."
    )
    importer = "duty.shift"
    area_help = "code of the unit the shifts belong to unless a row names one (default: root)"
