"""How numbers read on pages, one rule for the whole platform.

Django's Chinese formats group no digits (``THOUSAND_SEPARATOR = ""``), so a city's
1000000 residents or a fund's 1680000.00 元 had to be counted digit by digit. GB/T
15835-2011 (出版物上数字用法) groups long numbers by three digits from the units with a
comma; the ``zh_Hans`` and ``zh_Hant`` modules here (``FORMAT_MODULE_PATH``) say so, and
everything else falls through to Django's own formats for the language.

Grouping is asked for where a number is shown (``grouped``, ``intcomma``, ``floatformat``
with ``g``); ``USE_THOUSAND_SEPARATOR`` stays off, so form inputs, exports, URLs and the API
carry plain digits.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import pgettext


def grouped(value: int | Decimal, places: int | None = None) -> str:
    """``value`` in the active language's digit grouping: with ``places`` decimal places
    (an amount in 元: 2), else every digit it has (a Decimal keeps its places and is never
    written in exponent form)."""
    return number_format(value, decimal_pos=places, use_l10n=True, force_grouping=True)


def figure(value) -> str:
    """A count or a sum as a statistic reads: grouped, a Decimal without trailing zeros
    (95.20 → 95.2, 1680000.00 → 1,680,000), whichever database summed it; anything else as
    text."""
    if isinstance(value, Decimal):
        value = value.normalize()
    return grouped(value) if isinstance(value, int | Decimal) else str(value)


def moment(value: datetime.datetime) -> str:
    """A date and time as every page, message and export shows it: in local time (stored
    in UTC), to the minute."""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.strftime("%Y-%m-%d %H:%M")


def joined(items) -> str:
    """Items of a list in running text: 党员、老人 in Chinese, "Party member, Elderly" in
    English (the enumeration comma 、 is Chinese punctuation)."""
    return pgettext("list separator", "、").join(str(item) for item in items)
