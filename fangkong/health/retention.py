"""Retention of health records (see ``fangkong.core.retention``; defaults in the README)."""

from fangkong.core.retention import ANONYMISE, DELETE, register

register(
    "health.CheckIn",
    date_field="date",
    days=180,
    action=DELETE,
    reason="daily temperatures and symptoms matter during and shortly after monitoring",
)
NUCLEIC_ACID_TESTS = register(
    "health.NucleicAcidTest",
    date_field="sampled_at",
    days=365,
    action=DELETE,
    reason="old results no longer count for any status; a year covers reviews and disputes",
)
register(
    "health.HealthCertificate",
    date_field="issued_at",
    days=365,
    action=DELETE,
    reason="a certificate is shown within weeks of release; a year covers verification",
)
register(
    "health.Assignment",
    date_field="end_date",
    days=365,
    action=ANONYMISE,
    fields=["release_note"],
    reason="kept (without place or notes) for how many were quarantined, where and when",
)
