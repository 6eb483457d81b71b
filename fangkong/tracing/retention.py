"""Retention of tracing records: counted from the end of each case (see ``core.retention``)."""

from fangkong.core.retention import ANONYMISE, DELETE, register

register(
    "tracing.Contact",
    date_field="last_exposure",
    days=365,
    action=DELETE,
    reason="who met a case is needed for the outbreak and its review, not afterwards",
)
register(
    "tracing.Case",
    date_field="discharged_at",
    days=730,
    action=ANONYMISE,
    reason="case counts stay for epidemiology; the investigation notes go two years after "
    "discharge (cases not yet discharged never expire)",
)
register(
    "tracing.Case",
    name="voided",
    date_field="voided_at",
    days=730,
    action=ANONYMISE,
    reason="a case recorded in error keeps its investigation notes for the same review, "
    "counted from when it was voided",
)
