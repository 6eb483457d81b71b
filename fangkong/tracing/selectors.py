"""Read paths for cases and contacts, starting from the user's scope."""

from __future__ import annotations

from django.db.models import QuerySet

from .choices import CaseStatus, ContactState
from .models import Case, Contact


def case_list(user) -> QuerySet[Case]:
    return Case.objects.visible_to(user).select_related("resident", "resident__area")


def active_cases(user) -> QuerySet[Case]:
    return case_list(user).filter(status=CaseStatus.ACTIVE)


def contact_list(user) -> QuerySet[Contact]:
    return Contact.objects.visible_to(user).select_related("resident", "resident__area", "case")


def contacts_of_case(user, case: Case) -> QuerySet[Contact]:
    return contact_list(user).filter(case=case).exclude(state=ContactState.DISMISSED)
