"""Retention of status overrides (see ``fangkong.core.retention``)."""

from fangkong.core.retention import ANONYMISE, register

register(
    "status.StatusOverride",
    date_field="expires_at",
    days=365,
    action=ANONYMISE,
    fields=["reason", "rejection_note"],
    reason="the override stays on record; the free-text reasons (often health details) go",
)
