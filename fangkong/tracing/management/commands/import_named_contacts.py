"""``fangkong import-named-contacts FILE --case CODE --reason R``: import a case's named close
contacts (流调指认名单) from the list the epidemiologists hand over.

Rows are matched to residents already registered in the area by ID number and recorded as
``name_contact`` records one person (a close contact to verify, with its named exposure); a
person already a close contact of the case is left unchanged. The area defaults to the
user's (``--user``: their whole scope, where contacts may live in other districts than the
case) or else the root area. Exit status as ``import-residents`` (0 nothing rejected; 1 rows
rejected; 2 unusable input, an unknown case code among it).
"""

from __future__ import annotations

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from fangkong.registry.management.commands.import_residents import Command as ImportCommand


class Command(ImportCommand):
    help = (
        "Import the close contacts an epidemiological investigation named for a case "
        "(流调指认名单) from an Excel or CSV file, matched to residents of the area by ID "
        "number (all or nothing unless --skip-invalid)."
    )
    importer = "tracing.named_contact"
    area_help = (
        "code of the area whose residents the rows name (default: the --user's area, "
        "else the root area)"
    )

    def add_import_arguments(self, parser) -> None:
        parser.add_argument("--case", required=True, help="the case's code (病例编号)")
        parser.add_argument(
            "--reason",
            required=True,
            help="指认依据, recorded in every contact's 判定依据 and every audit entry",
        )

    def handle(self, *args, **options):
        from fangkong.tracing.models import Case

        code = (options["case"] or "").strip()
        case_id = Case.objects.filter(code=code).values_list("pk", flat=True).first()
        if not code or case_id is None:
            message = _("未找到病例编号为“%(code)s”的病例") % {"code": code[:32]}
            if options["json"]:
                self._print_json(
                    {"created": 0, "updated": 0, "rejected": 0, "errors": [], "error": message}
                )
            raise CommandError(message, returncode=2)
        options["case_id"] = case_id
        if not options["area"] and options["user"]:
            user = self._user(options["user"])
            if user.area_id is not None and user.area.code:
                options["area"] = user.area.code
        return super().handle(*args, **options)

    def import_options(self, options: dict) -> dict:
        return {"case_id": options["case_id"], "reason": options["reason"]}
