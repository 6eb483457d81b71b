from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.kept_area import KeptArea, kept_area_field
from fangkong.core.models import ScopedModel

from ..choices import ContactDegree, ContactState


class Contact(ScopedModel):
    """接触者: a resident exposed to a case, close or secondary; a person confirms it."""

    scope_field = "resident__area"
    # Counted by the resident's area kept on the row (``core.kept_area``): city figures.
    count_scope_field = "resident_area"
    kept_area = KeptArea(name="tracing_contact_area", source="tracing_contact")

    resident = models.ForeignKey(
        "registry.Resident",
        on_delete=models.PROTECT,
        related_name="contacts",
        verbose_name=_("居民"),
    )
    resident_area = kept_area_field()
    case = models.ForeignKey(
        "tracing.Case", on_delete=models.PROTECT, related_name="contacts", verbose_name=_("病例")
    )
    degree = models.CharField(_("接触类型"), max_length=16, choices=ContactDegree.choices)
    last_exposure = models.DateField(_("末次暴露日期"))
    state = models.CharField(
        _("核实状态"), max_length=16, choices=ContactState.choices, default=ContactState.SUSPECTED
    )
    # Why the person is a contact (tracing's or the investigator's words): kept as it was
    # when staff later confirm or dismiss the contact, which write ``state_note``.
    reason = models.TextField(_("判定依据"), blank=True)
    state_note = models.TextField(_("核实说明"), blank=True, db_default="")
    # When it was last dismissed (排除), empty while it is not: a past day's figures count it
    # as it stood then (``selectors.contacts_counted_on``).
    dismissed_at = models.DateTimeField(_("排除时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("接触者")
        verbose_name_plural = _("接触者")
        ordering = ["-last_exposure", "-id"]
        indexes = [
            models.Index(fields=["resident", "state"], name="contact_resident_state"),
            # The list's order: a city-wide first page reads 50 index entries, not a sort.
            models.Index(fields=["-last_exposure", "-id"], name="contact_list_order"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["resident", "case", "degree"], name="contact_unique_per_case"
            )
        ]

    def __str__(self):
        return f"{self.get_degree_display()} {self.case_id}"
