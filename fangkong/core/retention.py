"""Data retention: how long each kind of personal record is kept, and what happens after.

Each app declares its rules in a ``retention.py`` module (found at start-up like
``admin.py``)::

    from fangkong.core.retention import ANONYMISE, DELETE, register

    register("health.CheckIn", date_field="date", days=180, action=DELETE)
    register("tracing.Case", date_field="discharged_at", days=730, action=ANONYMISE)

A record expires when its date field is older than ``days`` (rows whose date is empty never
expire: a case not yet discharged is not over). The period can be changed per deployment
without code: ``FANGKONG_RETENTION_DAYS = {"health.checkin": 365}``.

- ``DELETE`` removes the row (and what cascades from it).
- ``ANONYMISE`` keeps the row for aggregate figures (how many were quarantined, per day, per
  area) and blanks its personal fields: every ``EncryptedTextField``, ``BlindIndexField`` and
  ``SearchKeyField`` of the model, plus the free-text ``fields`` the rule names.
- A ``purger`` (see ``Purger``) replaces the row-by-row ``DELETE`` for a model whose rows
  cannot be deleted one by one, e.g. append-only scans whose monthly partitions are dropped.

``fangkong purge-expired`` applies every rule in batches, one transaction and one audit entry
(counts only) per batch. See ``purge`` below and README "Data retention".
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.db.models.functions import Length
from django.db.models.lookups import GreaterThan
from django.utils import timezone

from . import audit
from .models.audit import AuditAction
from .personal import BlindIndexField, EncryptedTextField
from .search import SearchKeyField

logger = logging.getLogger(__name__)

DELETE = "delete"
ANONYMISE = "anonymise"
ACTIONS = (DELETE, ANONYMISE)
DEFAULT_BATCH = 500


@dataclass(frozen=True)
class Rule:
    """A retention rule for one model (or, ``name``d, for some of its rows or fields)."""

    label: str  # "app_label.ModelName"
    date_field: str
    days: int
    action: str
    fields: tuple[str, ...] = ()  # extra plain fields to blank when anonymising
    condition: models.Q | None = None  # further narrowing, e.g. only closed records
    # Called with each batch before it is deleted or blanked (files the rows point at).
    before_change: Callable[[list[models.Model]], None] | None = field(default=None, compare=False)
    reason: str = ""  # why this period: shown by --dry-run and in the README table
    purger: Purger | None = field(default=None, compare=False)
    name: str = ""  # a second rule of one model: "core.job:export_file"

    @property
    def model(self) -> type[models.Model]:
        return apps.get_model(self.label)

    @property
    def key(self) -> str:
        label = self.model._meta.label_lower
        return f"{label}:{self.name}" if self.name else label

    @property
    def period_days(self) -> int:
        overrides = getattr(settings, "FANGKONG_RETENTION_DAYS", {}) or {}
        return int(overrides.get(self.key, self.days))

    def cutoff(self, as_of: dt.date) -> dt.date | dt.datetime:
        """Rows dated before this are expired."""
        day = as_of - dt.timedelta(days=self.period_days)
        f = self.model._meta.get_field(self.date_field)
        if isinstance(f, models.DateTimeField):
            return timezone.make_aware(dt.datetime.combine(day, dt.time.min))
        return day

    def expired(self, as_of: dt.date) -> models.QuerySet:
        qs = self.model._default_manager.filter(**{f"{self.date_field}__lt": self.cutoff(as_of)})
        if self.condition is not None:
            qs = qs.filter(self.condition)
        if self.action == ANONYMISE:
            # Already blank rows are done: a second run finds nothing to do.
            qs = qs.filter(_not_blank(self.model, self.fields))
        return qs

    def blank_values(self) -> dict[str, object]:
        values: dict[str, object] = {}
        for f in self.model._meta.concrete_fields:
            if isinstance(f, EncryptedTextField | SearchKeyField):
                values[f.attname] = ""
            elif isinstance(f, BlindIndexField):
                values[f.attname] = None
        for name in self.fields:
            f = self.model._meta.get_field(name)
            values[f.attname] = None if f.null else ""
        return values


@dataclass
class Step:
    """One transaction's work of ``purge``: what goes into its audit entry."""

    rows: int
    changes: dict
    action: str = AuditAction.DELETE
    summary: str = ""


class Purger(Protocol):
    """A model's own way of removing expired rows (``register(..., purger=...)``)."""

    def plan(self, rule: Rule, as_of: dt.date) -> tuple[int, list[str]]:
        """Rows that ``purge`` would remove now, and lines for the dry run (e.g. per month)."""

    def step(self, rule: Rule, as_of: dt.date, batch_size: int) -> Step | None:
        """Remove the next batch inside the caller's transaction; ``None`` when done."""


def _not_blank(model, extra: Iterable[str]) -> models.Q:
    """Rows where some personal field still holds a value (encrypted fields allow no
    equality lookup, so the stored length is compared)."""
    q = models.Q()
    for f in model._meta.concrete_fields:
        if isinstance(f, BlindIndexField):
            q |= models.Q(**{f"{f.attname}__isnull": False})
        elif isinstance(f, EncryptedTextField | SearchKeyField) or f.name in extra:
            q |= models.Q(GreaterThan(Length(f.attname), 0))
    return q


_RULES: dict[str, Rule] = {}


def register(
    label: str,
    *,
    date_field: str,
    days: int,
    action: str,
    fields: Iterable[str] = (),
    condition: models.Q | None = None,
    before_change: Callable[[list[models.Model]], None] | None = None,
    reason: str = "",
    purger: Purger | None = None,
    name: str = "",
) -> Rule:
    """Declare the retention of ``label`` (``"app.Model"``); once per model."""
    if action not in ACTIONS:
        raise ValueError(f"retention action must be one of {ACTIONS}, not {action!r}")
    if purger is not None and action != DELETE:
        raise ValueError("a purger removes rows: use action=DELETE")
    rule = Rule(
        label,
        date_field,
        days,
        action,
        tuple(fields),
        condition,
        before_change,
        reason,
        purger,
        name,
    )
    model = rule.model  # fails early on a typo
    model._meta.get_field(date_field)
    for name in rule.fields:
        model._meta.get_field(name)
    if action == ANONYMISE and not rule.blank_values():
        raise ValueError(f"{label}: nothing to anonymise (no personal fields, no fields=)")
    if rule.key in _RULES and _RULES[rule.key] != rule:
        raise ValueError(f"retention of {label} is already registered")
    _RULES[rule.key] = rule
    return rule


def rules() -> list[Rule]:
    return [_RULES[k] for k in sorted(_RULES)]


def rule(key: str) -> Rule:
    """The rule registered as ``key`` ("core.job", "core.job:export_file")."""
    return _RULES[key]


def autodiscover() -> None:
    """Core's own rules, then every installed app's ``retention`` module."""
    from django.utils.module_loading import autodiscover_modules

    register(
        "core.Job",
        date_field="created_at",
        days=30,
        action=DELETE,
        before_change=_delete_job_files,
        reason="uploaded lists and rejected-rows files hold whole rows of personal data",
    )
    register(
        "core.Job",
        name="export_file",
        date_field="finished_at",
        days=1,
        action=ANONYMISE,
        fields=("output_file",),
        condition=models.Q(kind="export"),
        before_change=_delete_job_files,
        reason="an export is made again in minutes; its workbook holds whole lists",
    )
    autodiscover_modules("retention")


# A job's result may name further files it left for its owner under var/ (an accounts
# import's initial-password sheet, waiting for its one download): they go with the job.
PRIVATE_FILES = "private_files"


def _delete_job_files(jobs: list[models.Model]) -> None:
    """Remove an expired job's stored upload, rejected-rows file or exported workbook and the
    files its result names (``PRIVATE_FILES``), only inside var/; an export's rule blanks
    ``output_file`` after, so only that file goes."""
    from pathlib import Path

    roots = [
        Path(settings.FANGKONG_UPLOAD_DIR).resolve(),
        Path(settings.FANGKONG_EXPORT_DIR).resolve(),
    ]
    for job in jobs:
        named = (job.result or {}).get(PRIVATE_FILES) if isinstance(job.result, dict) else None
        extra = [n for n in named if isinstance(n, str)] if isinstance(named, list) else []
        for name in (job.input_file, job.output_file, *extra):
            if not name:
                continue
            path = Path(name).resolve()
            if any(path.is_relative_to(root) for root in roots):
                path.unlink(missing_ok=True)
                if path.parent.parent.name == "imports":  # the upload's own folder
                    with contextlib.suppress(OSError):
                        path.parent.rmdir()


def stray_reject_files(as_of: dt.date) -> list:
    """Rejected-rows workbooks no job points at, older than the jobs' period. A command-line
    import (``fangkong import-residents``…) writes one and prints its path but makes no job,
    so the job rule never removed it: whole rows of ID numbers and names kept for ever."""
    from pathlib import Path

    from .importing.rejects import reject_dir

    jobs = rule("core.job")
    cutoff = jobs.cutoff(as_of).timestamp()
    kept = {
        str(Path(name).resolve())
        for name in jobs.model._default_manager.exclude(output_file="").values_list(
            "output_file", flat=True
        )
    }
    return sorted(
        path
        for path in reject_dir().glob("rejected-*.xlsx")
        if path.stat().st_mtime < cutoff and str(path.resolve()) not in kept
    )


def purge_stray_reject_files(as_of: dt.date) -> int:
    """Delete ``stray_reject_files``; one audit entry (the count) when there were any."""
    paths = stray_reject_files(as_of)
    if not paths:
        return 0
    jobs = rule("core.job")
    with transaction.atomic():
        audit.record(
            None,
            audit.Event(
                action=AuditAction.DELETE,
                object_type="core.job:stray_reject_files",
                object_repr=f"retention delete: {len(paths)} files",
                changes={"rule": jobs.key, "as_of": as_of.isoformat(), "files": len(paths)},
                reason=f"retention {jobs.period_days}d",
            ),
        )
        for path in paths:
            path.unlink(missing_ok=True)
    return len(paths)


# --- applying the rules -----------------------------------------------------------------------


@dataclass
class Outcome:
    rule: Rule
    cutoff: object
    expired: int
    done: int = 0
    batches: int = 0
    details: list[str] = field(default_factory=list)


def _outcome(rule: Rule, as_of: dt.date) -> Outcome:
    if rule.purger is not None:
        expired, details = rule.purger.plan(rule, as_of)
        return Outcome(rule, rule.cutoff(as_of), expired, details=details)
    return Outcome(rule, rule.cutoff(as_of), rule.expired(as_of).count())


def plan(as_of: dt.date) -> list[Outcome]:
    """What ``purge`` would do, per rule (the dry run)."""
    return [_outcome(r, as_of) for r in rules()]


def _rows_step(rule: Rule, as_of: dt.date, batch_size: int) -> Step | None:
    """The next batch of a row rule: delete or blank up to ``batch_size`` expired rows."""
    pks = list(rule.expired(as_of).order_by("pk").values_list("pk", flat=True)[:batch_size])
    if not pks:
        return None
    batch = rule.model._default_manager.filter(pk__in=pks)
    if rule.before_change is not None:
        rule.before_change(list(batch))
    if rule.action == DELETE:
        _deleted, per_model = batch.delete()
        return Step(len(pks), {"deleted": dict(sorted(per_model.items()))})
    count = batch.update(**rule.blank_values())
    return Step(len(pks), {"anonymised": {rule.key: count}}, AuditAction.UPDATE)


def purge(
    as_of: dt.date,
    *,
    batch_size: int = DEFAULT_BATCH,
    progress: Callable[[Outcome], None] | None = None,
) -> list[Outcome]:
    """Apply every rule in batches; each batch is one transaction with one audit entry."""
    outcomes = plan(as_of)
    for outcome in outcomes:
        rule = outcome.rule
        while True:
            with transaction.atomic():
                if rule.purger is not None:
                    step = rule.purger.step(rule, as_of, batch_size)
                else:
                    step = _rows_step(rule, as_of, batch_size)
                if step is None:
                    break
                changes = step.changes | {
                    "rule": rule.key,
                    "as_of": as_of.isoformat(),
                    "rows": step.rows,
                }
                audit.record(
                    None,
                    audit.Event(
                        action=step.action,
                        object_type=rule.key,
                        object_repr=step.summary or f"retention {rule.action}: {step.rows}",
                        changes=changes,
                        reason=f"retention {rule.period_days}d",
                    ),
                )
            outcome.done += step.rows
            outcome.batches += 1
            if progress is not None:
                progress(outcome)
    return outcomes
