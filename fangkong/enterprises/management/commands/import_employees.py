"""``fangkong import-employees FILE --enterprise CREDIT_CODE``: import an employee roster.

Rows are matched by ID number within the enterprise. Options and exit status as
``import-residents``; the area is the enterprise's.
"""

from __future__ import annotations

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from fangkong.registry.management.commands.import_residents import Command as ImportCommand


class Command(ImportCommand):
    help = (
        "Import one enterprise's employee roster from an Excel or CSV file, matched by ID "
        "number (all or nothing unless --skip-invalid)."
    )
    importer = "enterprises.employee"
    area_help = "ignored: the roster's area is its enterprise's"

    def add_import_arguments(self, parser) -> None:
        parser.add_argument(
            "--enterprise", required=True, help="unified social credit code of the enterprise"
        )

    def handle(self, *args, **options):
        from fangkong.enterprises.models import Enterprise

        found = (
            Enterprise.objects.filter(credit_code=options["enterprise"].strip().upper())
            .values_list("pk", "area__code")
            .first()
        )
        if found is None:
            raise CommandError(_("未找到该统一社会信用代码的企业"), returncode=2)
        options["enterprise_id"], options["area"] = found
        return super().handle(*args, **options)

    def import_options(self, options: dict) -> dict:
        return {"enterprise_id": options["enterprise_id"]}
