"""Who sees which enterprise.

Office staff (command office, street, community, grid, leader) see the enterprises of their area
subtree, like every other record. A user of the role 企业联络员 (``Role.ENTERPRISE_LIAISON``) is
bound to enterprises instead of an area, in one of two ways:

- an enterprise contact account (企业账号): an ``EnterpriseAccount`` row ties the user to one
  enterprise, for good;
- a stationed liaison officer (驻企防疫联络员): ``LiaisonAssignment`` rows tie the user to one or
  more enterprises for a period; only assignments running today count.

Such a user sees exactly those enterprises and their records, whatever their area; without a
binding they see nothing. Every enterprise model's manager calls ``bound_enterprise_ids``.
"""

from __future__ import annotations

import datetime

from django.apps import apps
from django.db import models
from django.db.models import Q
from django.utils import timezone

from fangkong.accounts.choices import Role
from fangkong.core.scoping import ScopedQuerySet, is_global


def is_enterprise_user(user) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and not is_global(user)
        and user.role == Role.ENTERPRISE_LIAISON
    )


def active_assignment_q(day: datetime.date | None = None, prefix: str = "") -> Q:
    day = day or timezone.localdate()
    return Q(**{f"{prefix}start_date__lte": day}) & (
        Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gte": day})
    )


def bound_enterprise_ids(user) -> models.QuerySet:
    """Ids of the enterprises an enterprise-role user is bound to (a sub-select)."""
    Enterprise = apps.get_model("enterprises", "Enterprise")
    Account = apps.get_model("enterprises", "EnterpriseAccount")
    Assignment = apps.get_model("enterprises", "LiaisonAssignment")
    accounts = Account.objects.filter(user=user).values("enterprise_id")
    assigned = Assignment.objects.filter(active_assignment_q(), liaison=user).values(
        "enterprise_id"
    )
    return Enterprise.objects.filter(Q(pk__in=accounts) | Q(pk__in=assigned)).values("pk")


class EnterpriseScopedQuerySet(ScopedQuerySet):
    """``visible_to``: the area subtree for office staff, the bound enterprises otherwise."""

    def visible_to(self, user) -> EnterpriseScopedQuerySet:
        if is_enterprise_user(user):
            field = self.model.enterprise_field
            return self.filter(**{f"{field}__in": bound_enterprise_ids(user)})
        return super().visible_to(user)

    def of_enterprise(self, enterprise) -> EnterpriseScopedQuerySet:
        return self.filter(**{self.model.enterprise_field: enterprise.pk})


EnterpriseScopedManager = models.Manager.from_queryset(EnterpriseScopedQuerySet)
