"""``fangkong import-nat-results FILE --area CODE``: import a lab's nucleic-acid test list.

Rows are matched to residents already registered inside the area by ID number. Options and
exit status as ``import-residents`` (0 nothing rejected; 1 rows rejected; 2 unusable input).
"""

from __future__ import annotations

from fangkong.registry.management.commands.import_residents import Command as ImportCommand


class Command(ImportCommand):
    help = (
        "Import nucleic-acid test results from an Excel or CSV file, matched to residents "
        "of the area by ID number (all or nothing unless --skip-invalid)."
    )
    importer = "health.nucleic_acid_test"
    area_help = "code of the area whose residents the rows name (default: the root area)"
