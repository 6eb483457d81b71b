"""``fangkong import-enterprises FILE [--area CODE]``: import an enterprise list (企业名录).

Rows are matched by unified social credit code, so importing the list again updates it.
Options and exit status as ``import-residents``.
"""

from __future__ import annotations

from fangkong.registry.management.commands.import_residents import Command as ImportCommand


class Command(ImportCommand):
    help = (
        "Import enterprises from an Excel or CSV file, matched by unified social credit code "
        "(all or nothing unless --skip-invalid)."
    )
    importer = "enterprises.enterprise"
    area_help = (
        "code of the area rows without a community or grid belong to, and every row must "
        "fall inside (default: the root area)"
    )
