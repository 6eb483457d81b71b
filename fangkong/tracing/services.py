"""Every write to cases and contacts goes through these functions; each one that changes a
status fact recomputes the affected residents' status when the transaction commits."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.core import audit
from fangkong.core.models.audit import AuditAction
from fangkong.core.services import (
    audited_create,
    lock_rows,
    lock_versioned,
    require_area,
    require_perm,
    save_versioned,
)
from fangkong.health.services import reopen_positives_of_voided_case, resolve_positives_by_case
from fangkong.status.services import end_overrides_for_new_fact, recompute_on_commit

from .choices import CaseKind, CaseStatus, ContactDegree, ContactState, ExposureKind
from .engine import Params
from .models import Case, Contact, Exposure
from .selectors import cases_counted
from .tracer import Candidate, trace


def require_not_voided(case: Case) -> None:
    """Nothing is recorded against a voided case: it was never one."""
    if Case.objects.filter(pk=case.pk, status=CaseStatus.VOIDED).exists():
        raise ValidationError(_("该病例已撤销，不能再登记或追踪其接触者"))


def create_case(
    *,
    actor,
    resident,
    kind: str,
    confirmed_at: datetime.datetime,
    onset_date: datetime.date | None = None,
    code: str = "",
    source: str = "",
    notes: str = "",
) -> Case:
    require_perm(actor, "tracing.add_case")
    require_area(actor, resident.area)
    if kind not in CaseKind.values:
        raise ValidationError({"kind": _("请选择病例类型")})
    if confirmed_at is None:
        raise ValidationError({"confirmed_at": _("请填写确诊时间")})
    if confirmed_at > timezone.now():
        raise ValidationError({"confirmed_at": _("确诊时间不能晚于当前时间")})
    if onset_date and onset_date > timezone.localtime(confirmed_at).date():
        raise ValidationError({"onset_date": _("发病日期不能晚于确诊日期")})
    code = (code or "").strip() or None
    if code and Case.objects.filter(code=code).exists():
        raise ValidationError({"code": _("病例编号已存在")})
    with transaction.atomic():
        # One active case a person, also when two people record it at once (the figures
        # would count them twice): checked under the resident's row lock.
        lock_rows(type(resident), [resident.pk])
        if Case.objects.filter(resident=resident, status=CaseStatus.ACTIVE).exists():
            raise ValidationError({"resident": _("该居民已有在治病例记录")})
        case = audited_create(
            actor,
            Case,
            resident=resident,
            code=code,
            kind=kind,
            onset_date=onset_date,
            confirmed_at=confirmed_at,
            source=source.strip(),
            notes=notes,
        )
        resolve_positives_by_case(actor=actor, resident=resident, confirmed_at=confirmed_at)
        end_overrides_for_new_fact([resident.pk], cause=_("新增病例"), actor=actor)
        recompute_on_commit([resident.pk], cause=_("新增病例"), actor=actor)
    return case


def update_case(
    *,
    actor,
    case: Case,
    kind: str,
    onset_date: datetime.date | None = None,
    code: str = "",
    source: str = "",
    notes: str = "",
    expected_version: int | None = None,
) -> Case:
    """修改病例: the investigation goes on after the case is registered — the onset date
    found, the notes of places and people completed, an asymptomatic infection reclassified
    as confirmed (无症状转确诊). Its person's status names the case and its kind: recomputed."""
    require_perm(actor, "tracing.change_case")
    require_area(actor, case.resident.area)
    if kind not in CaseKind.values:
        raise ValidationError({"kind": _("请选择病例类型")})
    if onset_date and onset_date > timezone.localtime(case.confirmed_at).date():
        raise ValidationError({"onset_date": _("发病日期不能晚于确诊日期")})
    code = (code or "").strip() or None
    if code and Case.objects.filter(code=code).exclude(pk=case.pk).exists():
        raise ValidationError({"code": _("病例编号已存在")})
    with transaction.atomic():
        before = lock_versioned(case, expected_version)
        if before.status == CaseStatus.VOIDED:
            raise ValidationError(_("该病例已撤销，不能再修改"))
        reason = ""
        if before.kind == CaseKind.ASYMPTOMATIC and kind == CaseKind.CONFIRMED:
            reason = stored_text(gettext_lazy("无症状感染者转确诊"))
        fields = {
            "kind": kind,
            "onset_date": onset_date,
            "code": code,
            "source": source.strip(),
            "notes": notes,
        }
        save_versioned(actor, case, before, fields, reason=reason)
        if (before.kind, before.code) != (case.kind, case.code):
            recompute_on_commit([case.resident_id], cause=_("修改病例"), actor=actor)
    return case


def discharge_case(
    *,
    actor,
    case: Case,
    status: str,
    discharged_at: datetime.datetime,
    expected_version: int | None = None,
    reason: str = "",
) -> Case:
    """Record that a case recovered or left hospital; follow-up is a health assignment."""
    require_perm(actor, "tracing.change_case")
    require_area(actor, case.resident.area)
    if status not in (CaseStatus.RECOVERED, CaseStatus.DISCHARGED):
        raise ValidationError({"status": _("请选择已治愈或已出院")})
    if discharged_at is None or discharged_at < case.confirmed_at:
        raise ValidationError({"discharged_at": _("治愈/出院时间不能早于确诊时间")})
    if discharged_at > timezone.now():
        raise ValidationError({"discharged_at": _("治愈/出院时间不能晚于当前时间")})
    with transaction.atomic():
        before = lock_versioned(case, expected_version)
        if before.status != CaseStatus.ACTIVE:
            raise ValidationError({"status": _("该病例已不在治疗/隔离中")})
        case.status = status
        case.discharged_at = discharged_at
        case.version = before.version + 1
        case.save()
        audit.record_update(actor, before, case, reason=reason)
        recompute_on_commit([case.resident_id], cause=_("病例治愈/出院"), actor=actor)
    return case


def void_case(*, actor, case: Case, reason: str, expected_version: int | None = None) -> Case:
    """撤销 a case recorded in error (the wrong person, a positive not confirmed on review):
    it leaves every figure and its person's status, and its contacts not yet dismissed are
    dismissed, so theirs follows too. Quarantines already arranged stay: ending one is the
    health team's decision, made with the person."""
    require_perm(actor, "tracing.change_case")
    require_area(actor, case.resident.area)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("撤销病例须填写原因")})
    with transaction.atomic():
        before = lock_versioned(case, expected_version)
        if before.status == CaseStatus.VOIDED:
            raise ValidationError(_("该病例已撤销"))
        case.status = CaseStatus.VOIDED
        case.voided_at = timezone.now()
        case.void_reason = reason[:300]
        case.version = before.version + 1
        case.save()
        audit.record_update(actor, before, case, reason=reason)
        reopen_positives_of_voided_case(
            actor=actor, resident=case.resident, confirmed_at=case.confirmed_at
        )
        cause = stored_text(gettext_lazy("病例已撤销"))
        contacts = list(
            Contact.objects.select_for_update()
            .filter(case=case)
            .exclude(state=ContactState.DISMISSED)
            .order_by("pk")
        )
        _restate(actor, contacts, ContactState.DISMISSED, cause, cause, case.voided_at)
        recompute_on_commit(
            sorted({case.resident_id, *(c.resident_id for c in contacts)}), cause=cause, actor=actor
        )
    return case


def check_new_contact(
    *,
    case: Case,
    resident_id: int,
    degree: str,
    last_exposure: datetime.date | None,
    today: datetime.date | None = None,
) -> None:
    """The rules a new contact of ``case`` follows that need no query: shared by
    ``create_contact`` and the 流调指认名单 import (``tracing.importers``), which check a
    voided case and a contact already recorded on their own."""
    if degree not in ContactDegree.values:
        raise ValidationError({"degree": _("请选择接触类型")})
    if last_exposure is None:
        raise ValidationError({"last_exposure": _("请填写末次暴露日期")})
    if last_exposure > (today or timezone.localdate()):
        raise ValidationError({"last_exposure": _("末次暴露日期不能晚于今天")})
    if case.resident_id == resident_id:
        raise ValidationError({"resident": _("病例本人不能登记为其接触者")})


def check_named_reason(reason: str) -> str:
    """指认依据 of a named close contact (``name_contact``; the whole file's, in the import)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写指认依据")})
    return reason


def named_exposure(contact_id: int, case: Case, last_exposure: datetime.date) -> Exposure:
    """The ``named`` exposure that keeps a named close contact: to the case's person, at the
    start of the day of last exposure. Tracing again never removes it."""
    return Exposure(
        contact_id=contact_id,
        kind=ExposureKind.NAMED,
        source_id=case.resident_id,
        exposed_at=timezone.make_aware(datetime.datetime.combine(last_exposure, datetime.time())),
    )


def create_contact(
    *,
    actor,
    resident,
    case: Case,
    degree: str,
    last_exposure: datetime.date,
    reason: str = "",
    confirmed: bool = False,
) -> Contact:
    """Record a (suspected, or directly confirmed) contact of a case."""
    require_perm(actor, "tracing.add_contact")
    require_area(actor, resident.area)
    check_new_contact(
        case=case, resident_id=resident.pk, degree=degree, last_exposure=last_exposure
    )
    with transaction.atomic():
        # The case's contacts are written one session at a time (as ``trace_case``): two
        # people naming the same contact at once get one contact and a clear refusal.
        lock_rows(Case, [case.pk])
        require_not_voided(case)
        if Contact.objects.filter(resident=resident, case=case, degree=degree).exists():
            raise ValidationError({"resident": _("该居民已登记为此病例的接触者")})
        contact = audited_create(
            actor,
            Contact,
            resident=resident,
            case=case,
            degree=degree,
            last_exposure=last_exposure,
            reason=reason.strip(),
            state=ContactState.CONFIRMED if confirmed else ContactState.SUSPECTED,
        )
        if confirmed:
            end_overrides_for_new_fact([resident.pk], cause=_("确认接触者"), actor=actor)
            recompute_on_commit([resident.pk], cause=_("确认接触者"), actor=actor)
    return contact


def _set_contact_state(*, actor, contact: Contact, state: str, reason: str, cause: str):
    require_perm(actor, "tracing.change_contact")
    require_area(actor, contact.resident.area)
    with transaction.atomic():
        before = lock_versioned(contact, None)
        if before.state == state:
            raise ValidationError({"state": _("接触者已是该核实状态")})
        contact.state = state
        contact.dismissed_at = timezone.now() if state == ContactState.DISMISSED else None
        # The decision's own words; 判定依据 (``reason``) stays as the contact was named.
        contact.state_note = (reason or "").strip()
        contact.version = before.version + 1
        contact.save()
        audit.record_update(actor, before, contact, reason=reason)
        if state == ContactState.CONFIRMED:
            end_overrides_for_new_fact([contact.resident_id], cause=cause, actor=actor)
        recompute_on_commit([contact.resident_id], cause=cause, actor=actor)
    return contact


def confirm_contact(*, actor, contact: Contact, reason: str = "") -> Contact:
    """确认 a contact; confirming a close contact that was dismissed puts back to verify the
    secondary contacts that dismissal dismissed with it (their link is there again)."""
    require_not_voided(contact.case)
    with transaction.atomic():
        was = Contact.objects.values_list("state", flat=True).get(pk=contact.pk)
        contact = _set_contact_state(
            actor=actor,
            contact=contact,
            state=ContactState.CONFIRMED,
            reason=reason,
            cause=_("确认接触者"),
        )
        if was == ContactState.DISMISSED and contact.degree == ContactDegree.CLOSE:
            _reinstate_secondaries_through(actor, contact)
    return contact


def dismiss_contact(*, actor, contact: Contact, reason: str) -> Contact:
    """排除 a contact; dismissing a close contact also dismisses the secondary contacts to be
    verified whose every recorded exposure was to dismissed close contacts of the case."""
    if not (reason or "").strip():
        raise ValidationError({"reason": _("排除接触者须填写原因")})
    with transaction.atomic():
        contact = _set_contact_state(
            actor=actor,
            contact=contact,
            state=ContactState.DISMISSED,
            reason=reason,
            cause=_("排除接触者"),
        )
        if contact.degree == ContactDegree.CLOSE:
            _dismiss_secondaries_through(actor, contact)
    return contact


SYSTEM_DISMISSAL = gettext_lazy("系统排除：其关联的密切接触者均已核实排除")


def _system_dismissals() -> set[str]:
    """The reason a system dismissal wrote, in every language it may have been written in."""
    texts = set()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            texts.add(str(SYSTEM_DISMISSAL))
    return texts


def _reinstate_secondaries_through(actor, close: Contact) -> list[Contact]:
    """Undo ``_dismiss_secondaries_through`` for ``close`` confirmed again: its secondary
    contacts that the system dismissed are to verify again (待核实). Those staff dismissed
    themselves stay dismissed."""
    through = Exposure.objects.filter(
        source_id=close.resident_id,
        contact__case_id=close.case_id,
        contact__degree=ContactDegree.SECONDARY,
    ).values("contact_id")
    candidates = list(
        Contact.objects.select_for_update()
        .filter(pk__in=through, state=ContactState.DISMISSED, state_note__in=_system_dismissals())
        .select_related("resident__area")
        .order_by("pk")
    )
    cause = _("系统恢复待核实：其关联的密切接触者已重新确认")
    # A contact still to verify is no status fact: no recomputation is needed.
    _restate(actor, candidates, ContactState.SUSPECTED, "", cause)
    return candidates


def _dismiss_secondaries_through(actor, close: Contact) -> list[Contact]:
    """Secondary contacts of ``close``'s case still to verify (待核实) that were exposed to
    ``close`` and to nobody but dismissed close contacts: their link is gone. Confirmed ones
    are staff's decision and stay; so do those with no recorded exposure (entered by hand)."""
    case_id = close.case_id
    dismissed = set(
        Contact.objects.filter(
            case_id=case_id, degree=ContactDegree.CLOSE, state=ContactState.DISMISSED
        ).values_list("resident_id", flat=True)
    )
    through = Exposure.objects.filter(
        source_id=close.resident_id,
        contact__case_id=case_id,
        contact__degree=ContactDegree.SECONDARY,
    ).values("contact_id")
    candidates = list(
        Contact.objects.select_for_update()
        .filter(pk__in=through, state=ContactState.SUSPECTED)
        .select_related("resident__area")
        .order_by("pk")
    )
    sources: dict[int, set[int]] = {}
    for contact_id, source_id in Exposure.objects.filter(
        contact_id__in=[c.pk for c in candidates]
    ).values_list("contact_id", "source_id"):
        sources.setdefault(contact_id, set()).add(source_id)
    reason = stored_text(SYSTEM_DISMISSAL)
    # Not also exposed to a close contact still standing.
    done = [c for c in candidates if sources.get(c.pk, set()) <= dismissed]
    # A contact still to verify is no status fact: no recomputation is needed.
    _restate(actor, done, ContactState.DISMISSED, reason, reason)
    return done


def _restate(actor, contacts: list[Contact], state: str, note: str, cause: str, at=None) -> None:
    """Contacts the system moves to ``state`` (a voided case's; secondaries whose link was
    dismissed, or confirmed again), with ``note`` as their 核实说明: one audit entry each with
    ``cause``, written together. ``at`` is when a dismissal took effect."""
    events = []
    for contact in contacts:
        before = Contact.objects.get(pk=contact.pk)
        contact.state = state
        dismissed = state == ContactState.DISMISSED
        contact.dismissed_at = (at or timezone.now()) if dismissed else None
        contact.state_note = note
        contact.version = before.version + 1
        contact.save(update_fields=["state", "dismissed_at", "state_note", "version", "updated_at"])
        events.append(
            audit.event_for(
                contact, AuditAction.UPDATE, changes=audit.diff(before, contact), reason=cause
            )
        )
    audit.record_many(actor, events)


# --- tracing from scans and households ------------------------------------------------------


@dataclass
class TraceSummary:
    close: int = 0
    secondary: int = 0
    created: int = 0
    outside_scope: int = 0  # contacts living outside the actor's area, left to their own staff


def _exposure_rows(contact: Contact, candidate: Candidate) -> list[Exposure]:
    rows = []
    for e in candidate.exposures:
        if e.overlap is not None:
            o = e.overlap
            rows.append(
                Exposure(
                    contact=contact,
                    kind=ExposureKind.VENUE,
                    source_id=e.via,
                    venue_id=o.source.venue,
                    source_start=o.source.start,
                    source_end=o.source.end,
                    contact_start=o.other.start,
                    contact_end=o.other.end,
                    overlap_minutes=o.minutes,
                    exposed_at=o.start,
                )
            )
        else:
            rows.append(
                Exposure(
                    contact=contact, kind=ExposureKind.HOUSEHOLD, source_id=e.via, exposed_at=e.at
                )
            )
    return rows


def _reason_text(candidate: Candidate) -> str:
    return _trace_reason([e.kind for e in candidate.exposures])


def _trace_reason(kinds: list[str]) -> str:
    """The reason tracing gives a contact found through exposures of these kinds, in the
    platform's language (``stored_text``) whoever started the tracing."""
    venues = sum(1 for k in kinds if k == ExposureKind.VENUE)
    homes = sum(1 for k in kinds if k == ExposureKind.HOUSEHOLD)
    with translation.override(settings.LANGUAGE_CODE):
        parts = []
        if venues:
            parts.append(_("同场所重叠 %(n)d 次") % {"n": venues})
        if homes:
            parts.append(_("同住"))
        return _("系统追踪：") + "，".join(parts)


def stored_text(text) -> str:
    """A text the system writes into a record (a contact's reason) in the platform's language,
    not in that of whoever's page caused it: everyone reads the record."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(text)


def trace_case(
    *,
    actor,
    case: Case,
    window_minutes: int | None = None,
    now: datetime.datetime | None = None,
) -> TraceSummary:
    """Find the case's close and secondary contacts from scans and households and store them
    as contacts to verify (待核实), each with its exposures. Tracing again refreshes the
    exposures; a contact staff already confirmed or dismissed keeps its state."""
    require_perm(actor, "tracing.trace_case")
    require_area(actor, case.resident.area)
    require_not_voided(case)
    if window_minutes is not None and not 0 <= window_minutes <= 24 * 60:
        raise ValidationError({"window_minutes": _("时间窗口应为 0–1440 分钟")})
    params = Params.from_settings(window_minutes)
    result = trace(case, params, until=now)
    candidates = {**result.secondary, **result.close}  # close wins over secondary
    summary = TraceSummary(close=len(result.close), secondary=len(result.secondary))
    if not candidates:
        return summary
    Resident = apps.get_model("registry", "Resident")
    residents = Resident.objects.in_bulk(list(candidates))
    visible = set(
        Resident.objects.visible_to(actor)
        .filter(pk__in=list(candidates))
        .values_list("pk", flat=True)
    )
    summary.outside_scope = len(candidates) - len(visible & set(candidates))
    with transaction.atomic():
        lock_rows(Case, [case.pk])  # two tracings at once: the second refreshes the first's
        require_not_voided(case)  # voided meanwhile (``void_case`` holds the case's row)
        existing = {
            (c.resident_id, c.degree): c
            for c in Contact.objects.select_for_update().filter(
                case=case, resident_id__in=list(candidates)
            )
        }
        events, exposures, touched = [], [], []
        for person, cand in candidates.items():
            last = timezone.localtime(cand.last_exposure).date()
            contact = existing.get((person, cand.degree))
            if contact is None:
                contact = Contact.objects.create(
                    resident_id=person,
                    case=case,
                    degree=cand.degree,
                    last_exposure=last,
                    reason=_reason_text(cand),
                    state=ContactState.SUSPECTED,
                )
                contact.resident = residents[person]
                events.append(audit.event_for(contact, AuditAction.CREATE, reason=_("流调追踪")))
                summary.created += 1
            elif contact.last_exposure != last and contact.state == ContactState.SUSPECTED:
                before = Contact.objects.get(pk=contact.pk)
                contact.last_exposure = last
                contact.version = before.version + 1
                contact.save(update_fields=["last_exposure", "version", "updated_at"])
                events.append(
                    audit.event_for(
                        contact,
                        AuditAction.UPDATE,
                        changes=audit.diff(before, contact),
                        reason=_("流调追踪"),
                    )
                )
            touched.append(contact.pk)
            exposures += _exposure_rows(contact, cand)
        Exposure.objects.filter(contact_id__in=touched).exclude(kind=ExposureKind.NAMED).delete()
        Exposure.objects.bulk_create(exposures, batch_size=1000)
        audit.record_many(actor, events)
    return summary


def quarantine_contacts(
    *,
    actor,
    case: Case,
    contacts: list[Contact],
    kind: str,
    days: int = 14,
    place: str = "",
    today: datetime.date | None = None,
) -> list:
    """One action for a case's confirmed contacts: a quarantine assignment each, from today
    until ``days`` after their last exposure, followed up by the grid worker of the
    contact's grid where it has one. All or nothing; status follows on commit."""
    from fangkong.health.choices import QUARANTINE_KINDS
    from fangkong.health.selectors import quarantines_in_force, sole_grid_workers
    from fangkong.health.services import create_assignment, lock_assignment_residents

    require_perm(actor, "health.add_assignment")
    require_not_voided(case)
    if kind not in QUARANTINE_KINDS:
        raise ValidationError({"kind": _("请选择居家隔离或集中隔离")})
    if not 1 <= days <= 28:
        raise ValidationError({"days": _("隔离天数应为 1–28 天")})
    if not contacts:
        raise ValidationError({"contacts": _("请选择要转隔离的接触者")})
    today = today or timezone.localdate()
    for c in contacts:
        if c.case_id != case.pk:
            raise ValidationError({"contacts": _("所选接触者不属于该病例")})
        if c.state != ContactState.CONFIRMED:
            raise ValidationError({"contacts": _("只能对已确认的接触者转隔离")})
    # A contact who has become a case is treated as one, not sent to quarantine.
    if Case.objects.filter(
        cases_counted(), resident_id__in=[c.resident_id for c in contacts]
    ).exists():
        raise ValidationError(
            {"contacts": _("所选接触者中有人已登记为病例，请按病例管理，不转隔离")}
        )
    created = []
    with transaction.atomic():
        # All of them first, in key order: who is already in quarantine stays so until the end.
        lock_assignment_residents([c.resident_id for c in contacts])
        running = quarantines_in_force([c.resident_id for c in contacts], today)
        workers = sole_grid_workers({c.resident.area_id for c in contacts})
        for c in contacts:
            end = max(today, c.last_exposure + datetime.timedelta(days=days))
            if c.resident_id in running:
                continue  # already in quarantine: nothing to add
            running[c.resident_id] = create_assignment(
                actor=actor,
                resident=c.resident,
                kind=kind,
                start_date=today,
                end_date=end,
                place=place,
                responsible=workers.get(c.resident.area_id),
                contact=c,
            )
            created.append(running[c.resident_id])
    return created


def name_contact(
    *, actor, case: Case, resident, last_exposure: datetime.date, reason: str
) -> Contact:
    """A close contact named in the epidemiological investigation (流调指认), kept with a
    ``named`` exposure that tracing again never removes."""
    check_named_reason(reason)
    with transaction.atomic():
        contact = create_contact(
            actor=actor,
            resident=resident,
            case=case,
            degree=ContactDegree.CLOSE,
            last_exposure=last_exposure,
            reason=reason,
        )
        named_exposure(contact.pk, case, last_exposure).save()
    return contact


# --- unregistered visitors ------------------------------------------------------------------


def visitor_reason(visitor, venue_names: dict[int, str]) -> str:
    """Why a visitor is a close contact, worded as tracing words a registered contact's
    reason, with their visits; in the platform's language (``stored_text``)."""
    with translation.override(settings.LANGUAGE_CODE):
        visits = "；".join(
            _("%(venue)s %(start)s–%(end)s")
            % {
                "venue": venue_names.get(o.other.venue, ""),
                "start": timezone.localtime(o.other.start).strftime("%m-%d %H:%M"),
                "end": timezone.localtime(o.other.end).strftime("%H:%M"),
            }
            for o in sorted(visitor.overlaps, key=lambda o: o.other.start)
        )
        kinds = [ExposureKind.VENUE] * len(visitor.overlaps)
        return _trace_reason(kinds) + _("（扫码时未登记：%(visits)s）") % {"visits": visits}


def name_visitor_contact(*, actor, case: Case, visitor, area=None) -> tuple[Contact, bool]:
    """登记并列为密接: an unregistered visitor (``tracer.Visitor``) becomes a resident — through
    ``create_resident``, with the name, ID number and phone of their latest scan, decrypted
    here — or is the resident their ID number already belongs to, and is named a close
    contact of ``case`` with their last overlap as last exposure. One transaction: a refusal
    of either step writes nothing. Returns the contact and whether a resident was created."""
    from fangkong.registry.models import Resident
    from fangkong.registry.services import create_resident
    from fangkong.venues.models import Scan, Venue

    scan = Scan.objects.get(scanned_at=visitor.scan.at, uuid=visitor.scan.uuid)
    venues = {o.other.venue for o in visitor.overlaps}
    reason = visitor_reason(
        visitor, dict(Venue.objects.filter(pk__in=venues).values_list("pk", "name"))
    )
    with transaction.atomic():
        resident = None
        if scan.id_number_index:  # the same blind index (purpose "id") as the registry's
            resident = Resident.objects.filter(id_number_index=scan.id_number_index).first()
        created = resident is None
        if created:
            if not scan.id_number:
                raise ValidationError(
                    _(
                        "该人员扫码时未留身份证号，不能登记为居民：请核实其身份证号，"
                        "登记居民后通过“流调指认密接”列为密接"
                    )
                )
            if area is None:
                raise ValidationError({"area": _("请选择该人员居住的网格")})
            resident = create_resident(
                actor=actor,
                data={
                    "area": area,
                    "name": visitor.name,
                    "id_number": scan.id_number,
                    "phone": scan.phone or "",
                },
            )
        contact = name_contact(
            actor=actor,
            case=case,
            resident=resident,
            last_exposure=timezone.localtime(visitor.last_exposure).date(),
            reason=reason,
        )
    return contact, created
