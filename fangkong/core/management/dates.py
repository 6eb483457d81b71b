"""The ``--date`` option of the daily commands, read the one way with a Chinese message."""

from __future__ import annotations

import datetime

from django.core.management.base import CommandError
from django.utils.translation import gettext as _


def date_option(value: str | None) -> datetime.date | None:
    """``YYYY-MM-DD`` as a date (None when the option was not given); else CommandError:
    as an argparse ``type`` a wrong day read "invalid fromisoformat value" in English."""
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(
            _("日期“%(v)s”格式不对：应为 YYYY-MM-DD，例如 2021-06-30") % {"v": value}
        ) from None
