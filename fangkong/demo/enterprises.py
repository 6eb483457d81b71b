"""Demo enterprises for ``load-demo``: parks, enterprises, applications, rosters, reports.

Deterministic with the seed; identifiers are generated (valid check digits, not real
organisations). Rows go in with ``bulk_create`` and one audit entry each through
``audit.record_many``; a second run finds the enterprises by credit code and adds nothing.
"""

from __future__ import annotations

import datetime
import random

from stdnum.cn import uscc

_ORG_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def make_credit_code(rng: random.Random | None = None, region: str = "510411") -> str:
    """A well-formed 统一社会信用代码 (工商登记 · 企业) with a valid check digit."""
    rng = rng or random.Random()
    body = "91" + region + "".join(rng.choice(_ORG_ALPHABET[:10]) for _ in range(9))
    return body + uscc.calc_check_digit(body)


REFERENCE_DAY = datetime.date(2020, 2, 20)
