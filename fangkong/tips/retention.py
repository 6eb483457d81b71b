"""Retention of public tips (see ``fangkong.core.retention``; defaults in the README)."""

from fangkong.core.retention import ANONYMISE, register

register(
    "tips.Tip",
    date_field="created_at",
    days=365,
    action=ANONYMISE,
    reason="the tipster's name and phone are needed until the tip is verified and rewarded",
)
