"""``fangkong compile-translations``: every .po under LOCALE_PATHS → .mo, with polib.

No gettext binaries are needed at install time; .mo files are not committed.
"""

from __future__ import annotations

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand


def compile_catalogs(locale_dirs) -> list[Path]:
    """Compile every ``<locale>/LC_MESSAGES/*.po`` below the given directories."""
    written = []
    for locale_dir in locale_dirs:
        for po_path in sorted(Path(locale_dir).glob("*/LC_MESSAGES/*.po")):
            mo_path = po_path.with_suffix(".mo")
            polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
            written.append(mo_path)
    return written


class Command(BaseCommand):
    help = "Compile the translation catalogues (.po → .mo) without gettext."

    def add_arguments(self, parser):
        parser.add_argument(
            "--locale-dir",
            action="append",
            default=None,
            help="Directory holding <locale>/LC_MESSAGES/*.po (default: LOCALE_PATHS).",
        )

    def handle(self, *args, **options):
        dirs = options["locale_dir"] or [str(p) for p in settings.LOCALE_PATHS]
        written = compile_catalogs(dirs)
        for path in written:
            self.stdout.write(f"compiled {path}")
        self.stdout.write(self.style.SUCCESS(f"{len(written)} catalogue(s) compiled"))
