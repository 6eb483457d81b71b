"""``fangkong import-risk-designations FILE --user U --reason R``: import a list of risk
areas (风险地区名单) re-keyed from a national or provincial notice.

The rules are those of the web import (``risk.importers``): a place already at its level is
unchanged, another level supersedes it from the row's 生效时间. Exit status as
``import-residents`` (0 nothing rejected; 1 rows rejected; 2 unusable input).
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.translation import ngettext

from fangkong.core.importing.parsers import parse_datetime
from fangkong.formats import joined
from fangkong.registry.management.commands.import_residents import Command as ImportCommand


class Command(ImportCommand):
    help = (
        "Import a list of risk areas (风险地区名单) from an Excel or CSV file: each row sets "
        "the risk level of one of the platform's areas (by its code) or of a place elsewhere "
        "(all or nothing unless --skip-invalid). --user is required: a designation records "
        "who set it."
    )
    importer = "risk.designation"
    area_help = (
        "the platform's areas rows may name by code lie inside this one; other rows are "
        "places elsewhere (default: the root area)"
    )

    def add_import_arguments(self, parser) -> None:
        parser.add_argument(
            "--reason", required=True, help="认定依据, recorded on every designation"
        )
        parser.add_argument(
            "--effective-from",
            help="生效时间 for rows that leave theirs blank, e.g. '2022-04-10 8:00' (default: now)",
        )
        parser.add_argument(
            "--lift-unlisted",
            action="store_true",
            help="lift the places elsewhere the list no longer names (名单外地区解除)",
        )

    def import_options(self, options: dict) -> dict:
        return {
            "reason": options["reason"],
            "effective_from": self._moment(options["effective_from"]).isoformat(),
            "lift_unlisted": options["lift_unlisted"],
        }

    def _print_human(self, result) -> None:
        super()._print_human(result)
        if "lifted" in result.extra:  # --lift-unlisted: which places it lifts, as the web's
            n = result.extra["lifted"]
            line = ngettext("名单外地区解除 %(n)d 个", "名单外地区解除 %(n)d 个", n) % {"n": n}
            places = result.extra["lifted_places"]  # the first 200
            if places:
                line += "：" + joined(places) + ("……" if n > len(places) else "")
            self.stdout.write(line)

    @staticmethod
    def _moment(text: str | None) -> datetime.datetime:
        """As a 生效时间 cell is read: 2022-04-10 8:00, 2022年4月10日 8时, …"""
        if not text:
            return timezone.now()
        try:
            return parse_datetime(text.strip())
        except ValidationError as e:
            raise CommandError(e.messages[0], returncode=2) from None
