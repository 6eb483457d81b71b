"""``fangkong import-findings FILE --campaign ID``: import the people a campaign found.

Each row registers or updates the resident (as ``import-residents``) and records the
campaign's finding for them once. Exit status as ``import-residents``.
"""

from __future__ import annotations

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from fangkong.registry.management.commands.import_residents import Command as ImportCommand


class Command(ImportCommand):
    help = (
        "Import the people a screening campaign found from an Excel or CSV file: residents "
        "are created or updated and a finding is recorded for each (all or nothing unless "
        "--skip-invalid)."
    )
    importer = "screening.finding"
    area_help = (
        "code of the area (inside the campaign's) rows without a grid belong to "
        "(default: the campaign's area)"
    )

    def add_import_arguments(self, parser) -> None:
        parser.add_argument("--campaign", type=int, required=True, help="id of the campaign")

    def handle(self, *args, **options):
        if not options["area"]:
            from fangkong.screening.models import Campaign

            code = (
                Campaign.objects.filter(pk=options["campaign"])
                .values_list("area__code", flat=True)
                .first()
            )
            if code is None:
                raise CommandError(_("未找到该摸排行动"), returncode=2)
            options["area"] = code
        return super().handle(*args, **options)

    def import_options(self, options: dict) -> dict:
        return {"campaign_id": options["campaign"]}
