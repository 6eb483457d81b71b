"""Retention of screening records (see ``fangkong.core.retention``)."""

from fangkong.core.retention import ANONYMISE, DELETE, register

register(
    "screening.Finding",
    date_field="found_at",
    days=365,
    action=DELETE,
    reason="who arrived from where is needed while the campaign and its follow-up run",
)
register(
    "screening.Visit",
    date_field="visited_at",
    days=365,
    action=ANONYMISE,
    reason="visit counts per campaign stay; the notes about the household go",
)
