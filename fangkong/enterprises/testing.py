"""Test data for enterprises, built through the services; identifiers are generated."""

from __future__ import annotations

import itertools
import random

from django.utils import timezone

from fangkong.accounts.choices import Role
from fangkong.core.testing.factories import make_user
from fangkong.demo.enterprises import make_credit_code

from . import services
from .choices import Sector

_rng = random.Random(6)
_seq = itertools.count(1)


def make_enterprise(actor, area, **fields):
    data = {
        "area": area,
        "name": f"测试企业{next(_seq)}有限公司",
        "credit_code": make_credit_code(_rng),
        "sector": Sector.MANUFACTURING,
        "headcount": 50,
        "contact_name": "联系人",
        "contact_phone": "13800001111",
    } | fields
    return services.create_enterprise(actor=actor, data=data)


def make_liaison(actor, enterprise, *, area=None, start=None, username=None):
    """A user of the enterprise role stationed at ``enterprise`` from ``start`` (today)."""
    user = make_user(Role.ENTERPRISE_LIAISON, area or enterprise.area, username=username)
    services.assign_liaison(
        actor=actor,
        enterprise=enterprise,
        liaison=user,
        start_date=start or timezone.localdate(),
    )
    return user


def make_account(actor, enterprise, *, area=None, username=None):
    """An enterprise contact account bound to ``enterprise``."""
    user = make_user(Role.ENTERPRISE_LIAISON, area or enterprise.area, username=username)
    services.bind_enterprise_account(actor=actor, user=user, enterprise=enterprise)
    return user


def application_data(**fields):
    return {
        "employees_expected": 40,
        "prevention_plan": "进厂测温、分餐错峰、每日两次消毒",
        "masks": 2000,
        "thermometers": 10,
        "disinfectant_kg": 50,
        "has_isolation_room": True,
    } | fields
