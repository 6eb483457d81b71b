"""Importing the people a screening campaign found from a grid worker's list (摸排名单导入).

Each row is a resident exactly as the resident import reads it (created or updated by ID
number) plus a ``类型`` column; every accepted row also records the campaign's finding for
that resident, once per campaign. The campaign comes in the run's options:
``run_import("screening.finding", path, ..., options={"campaign_id": 7})``.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_noop as N_

from fangkong.core.importing import Column, ImportFileError, PendingRow, create_records, register
from fangkong.core.importing import parsers as p
from fangkong.core.services import require_perm
from fangkong.registry.choices import ResidentCategory
from fangkong.registry.importers import ResidentImporter
from fangkong.registry.models import Resident

from .choices import FindingKind
from .models import Campaign, Finding

# The finding's kind when the row has no 类型: from the resident's category.
KIND_BY_CATEGORY = {
    ResidentCategory.RETURNEE: FindingKind.RETURNEE,
    ResidentCategory.INFLOW: FindingKind.INFLOW,
}


def campaign_for_import(ctx) -> Campaign:
    """The open campaign named by ``ctx.options["campaign_id"]`` that covers the import's
    area and that the actor can see; ``ImportFileError`` otherwise (nothing is read)."""
    campaign_id = ctx.options.get("campaign_id")
    qs = Campaign.objects.select_related("area")
    if ctx.actor is not None:
        qs = qs.visible_to(ctx.actor)
    campaign = qs.filter(pk=campaign_id).first() if str(campaign_id or "").isdigit() else None
    if campaign is None:
        raise ImportFileError(_("未找到该摸排行动"))
    if campaign.closed:
        raise ImportFileError(_("该摸排行动已结束，不能再登记"))
    if not ctx.area.is_within(campaign.area):
        raise ImportFileError(
            _("导入区域不在摸排行动“%(title)s”的范围（%(area)s）内")
            % {"title": campaign.title, "area": campaign.area.name}
        )
    return campaign


@register
class FindingImporter(ResidentImporter):
    """摸排发现: the resident list of a campaign; each row registers the person and the finding."""

    key = "screening.finding"
    label = gettext_lazy("摸排发现人员")
    permission = "registry.import_resident"
    kept_values = (*ResidentImporter.kept_values, "kind")  # ``after_batch`` reads the kind
    columns = (
        *ResidentImporter.columns,
        Column(
            "kind",
            N_("类型"),
            ("发现类型", "摸排类型", "人员性质"),
            p.choice(
                FindingKind,
                extra={"返乡": FindingKind.RETURNEE, "流入": FindingKind.INFLOW},
            ),
            help=N_("返乡、流入或其他；不填时按人员类别（返乡、流入，否则为其他）"),
            example="返乡",
        ),
    )

    def __init__(self, ctx):
        super().__init__(ctx)
        if ctx.actor is not None:
            require_perm(ctx.actor, "screening.add_finding")
        self.campaign = campaign_for_import(ctx)

    def after_batch(self, rows: list[PendingRow]) -> None:
        """Record the campaign's finding for every row's resident that has none yet."""
        if not rows:
            return
        by_resident = {r.pk: r for r in rows}
        done = set(
            Finding.objects.filter(campaign=self.campaign, resident_id__in=by_resident).values_list(
                "resident_id", flat=True
            )
        )
        todo = [r for pk, r in by_resident.items() if pk not in done]
        if not todo:
            return
        need_category = [r.pk for r in todo if "kind" not in r.values]
        categories = dict(
            Resident.objects.filter(pk__in=need_category).values_list("pk", "category")
        )
        actor = self.ctx.actor
        new = [
            {
                "campaign": self.campaign.pk,
                "resident": r.pk,
                "resident__area": r.fields["area"],  # for the audit entry's area path
                "kind": r.values.get("kind")
                or KIND_BY_CATEGORY.get(categories.get(r.pk), FindingKind.OTHER),
                "found_at": self.ctx.now,
                "found_by": actor.pk if actor is not None else None,
            }
            for r in todo
        ]
        create_records(
            self.ctx,
            Finding,
            new,
            key=("campaign", "resident"),
            object_repr=lambda fields: str(FindingKind(fields["kind"]).label),
        )
        self.ctx.count("findings_created", len(new))

    @classmethod
    def upload_url(cls, options: dict[str, Any]) -> str:
        from django.urls import reverse

        campaign_id = options.get("campaign_id")
        return reverse("screening:finding_import", args=[campaign_id]) if campaign_id else ""
