"""Test data for the volunteer pages (kept here, not in a conftest, so other apps' tests of
the public sign-up use it too)."""

from __future__ import annotations

import random

from fangkong.core.testing import factories


def signup_form(area, rng: random.Random, **fields) -> dict:
    """What a visitor posts on the public sign-up page (志愿者报名), accepted as it is."""
    return {
        "area": area.pk,
        "name": "孙七",
        "id_number": factories.make_id_number(rng=rng),
        "phone": factories.make_phone(rng),
        "available_days": ["6"],
        "available_times": ["am"],
        "health": "healthy",
        "consent": "on",
    } | fields
