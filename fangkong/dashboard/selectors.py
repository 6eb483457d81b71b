"""Reads of the submitted daily reports (日报报送): lists, versions, and who has sent theirs."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import QuerySet

from fangkong.areas.choices import AreaLevel
from fangkong.areas.models import Area

from .models import SubmittedReport


def submitted_list(qs: QuerySet) -> QuerySet:
    """The list page and the API: the area (and its parent, for a grid's name) and the
    submitter in the same query."""
    return qs.select_related("area__parent", "submitted_by")


def versions_of(submitted: SubmittedReport) -> QuerySet:
    """Every revision of the report ``submitted`` belongs to, newest first."""
    return (
        SubmittedReport.objects.filter(
            area_id=submitted.area_id, day=submitted.day, template_name=submitted.template_name
        )
        .select_related("submitted_by")
        .order_by("-revision")
    )


@dataclass
class SubmissionRow:
    area: Area
    reports: list[SubmittedReport]  # current revisions, one per template sent

    @property
    def submitted(self) -> bool:
        return bool(self.reports)

    @property
    def has_senders_below(self) -> bool:
        """A status of its own to open (a community's grids send none)."""
        return self.area.level < AreaLevel.COMMUNITY


@dataclass
class SubmissionStatus:
    """报送情况: which direct sub-areas of ``area`` sent a report for ``day``."""

    area: Area
    day: datetime.date
    rows: list[SubmissionRow]

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def submitted_count(self) -> int:
        return sum(1 for r in self.rows if r.submitted)

    @property
    def missing_count(self) -> int:
        return self.total - self.submitted_count


def sends_reports(area: Area) -> bool:
    """Whether an office of ``area`` sends a daily report up: every level above the grid
    (a grid's workers report to their community, not with a daily report)."""
    return area.level < AreaLevel.GRID


def submission_status(area: Area, day: datetime.date) -> SubmissionStatus:
    """Two queries whatever the number of sub-areas: the sub-areas that send reports, and
    their current reports of the day (any template counts as sent)."""
    children = list(Area.objects.filter(parent=area, level__lt=AreaLevel.GRID).order_by("path"))
    by_area: dict[int, list[SubmittedReport]] = {}
    reports = (
        SubmittedReport.objects.filter(area__parent=area, day=day, is_current=True)
        .select_related("submitted_by")
        .order_by("submitted_at", "pk")
    )
    for report in reports:
        by_area.setdefault(report.area_id, []).append(report)
    rows = [SubmissionRow(child, by_area.get(child.pk, [])) for child in children]
    return SubmissionStatus(area, day, rows)


def has_submitted(area_id: int, day: datetime.date) -> bool:
    return SubmittedReport.objects.filter(area_id=area_id, day=day, is_current=True).exists()
