"""Retention of going-out approvals (see ``fangkong.core.retention``; README table)."""

from fangkong.core.retention import DELETE, register

register(
    "venues.OutingApproval",
    date_field="ends_at",
    days=90,
    action=DELETE,
    reason="a pass matters while the person is under closed-loop management and for its review",
)
