"""Retention of donor contacts (see ``fangkong.core.retention``; defaults in the README)."""

from fangkong.core.retention import ANONYMISE, register

register(
    "supplies.Donation",
    date_field="date",
    days=730,
    action=ANONYMISE,
    reason="the donation, its receipt and where it went stay; the donor's phone does not",
)
