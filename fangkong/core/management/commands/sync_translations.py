"""``fangkong sync-translations``: refresh the .po catalogues from the source.

Chinese (Simplified) msgids are the source. This runs Django's ``makemessages`` for ``en``
and ``zh_Hant`` (needs gettext, a developer tool), then

* fills every zh_Hant msgstr with OpenCC ``s2t`` of the msgid, overwriting what was there;
* keeps the hand-written English, and clears English that gettext only guessed (fuzzy), so
  untranslated strings show up as empty msgstrs (a test fails on those).
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import opencc
import polib
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.core.management.commands.makemessages import Command as MakeMessagesCommand

LOCALES = ("en", "zh_Hant")
IGNORE = ["static/*", "*/tests/*", "tests/*", "*/migrations/*", "locale/*"]
PLURAL_FORMS = {
    "en": "nplurals=2; plural=(n != 1);",
    "zh_Hant": "nplurals=1; plural=0;",
}


class _MakeMessages(MakeMessagesCommand):
    # Fuzzy guesses are worse than nothing for a catalogue translated by hand.
    msgmerge_options = [*MakeMessagesCommand.msgmerge_options, "--no-fuzzy-matching"]
    # ``N_`` is the project's name for ``gettext_noop`` (column headers and help texts
    # marked where they are declared, translated where they are shown).
    xgettext_options = [*MakeMessagesCommand.xgettext_options, "--keyword=N_"]


def to_traditional(po: polib.POFile) -> int:
    # Characters only (``s2t``): ``s2twp`` also swaps in Taiwan's words, wrong for this
    # domain and its readers (社区 → 社群, 代码 → 程式碼, 权限 → 許可權).
    converter = opencc.OpenCC("s2t")
    for entry in po:
        if entry.obsolete:
            continue
        if entry.msgid_plural:
            entry.msgstr_plural = {0: converter.convert(entry.msgid)}
        else:
            entry.msgstr = converter.convert(entry.msgid)
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
        entry.previous_msgid = None
    return len(po)


def clear_fuzzy(po: polib.POFile) -> int:
    cleared = 0
    for entry in po:
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
            entry.msgstr = ""
            entry.msgstr_plural = dict.fromkeys(entry.msgstr_plural, "")
            cleared += 1
        entry.previous_msgid = None
    return cleared


class Command(BaseCommand):
    help = "Run makemessages for en and zh_Hant, convert zh_Hant with OpenCC s2t."

    def handle(self, *args, **options):
        locale_dir = Path(settings.LOCALE_PATHS[0])
        locale_dir.mkdir(parents=True, exist_ok=True)
        package_dir = locale_dir.parent
        with contextlib.chdir(package_dir):
            call_command(
                _MakeMessages(),
                locale=list(LOCALES),
                domain="django",
                ignore_patterns=IGNORE,
                no_obsolete=True,
                add_location="file",
                verbosity=max(0, options["verbosity"] - 1),
            )
        for code in LOCALES:
            path = locale_dir / code / "LC_MESSAGES" / "django.po"
            po = polib.pofile(str(path), wrapwidth=0)
            po.metadata_is_fuzzy = False
            po.metadata["Project-Id-Version"] = "fangkong"
            po.metadata["Language"] = code
            po.metadata["Plural-Forms"] = PLURAL_FORMS[code]
            po.metadata["Content-Type"] = "text/plain; charset=UTF-8"
            if code == "zh_Hant":
                n = to_traditional(po)
                self.stdout.write(f"zh_Hant: {n} messages converted with OpenCC s2t")
            else:
                cleared = clear_fuzzy(po)
                missing = [e.msgid for e in po if not e.obsolete and not e.translated()]
                self.stdout.write(
                    f"{code}: {len(po)} messages, {len(missing)} untranslated"
                    + (f", {cleared} fuzzy guesses cleared" if cleared else "")
                )
                for msgid in missing:
                    self.stdout.write(f"  untranslated: {msgid}")
            po.save(str(path))
