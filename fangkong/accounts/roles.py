"""What each role may do. Which rows it may touch is decided by area scoping, not here.

Permissions are ordinary Django permission names, so views, the API and templates use
``user.has_perm``. A later module adds its lines to ``ROLE_PERMISSIONS``.
"""

from .choices import Role

_RESIDENT_READ = {
    "areas.view_area",
    "registry.view_resident",
    "registry.view_household",
    "registry.view_building",
}
_RESIDENT_WRITE = {
    "registry.add_resident",
    "registry.change_resident",
    "registry.delete_resident",
    "registry.import_resident",
    "registry.export_resident",
    "registry.add_household",
    "registry.change_household",
    "registry.delete_household",
    "registry.add_building",
    "registry.change_building",
    "registry.delete_building",
}
_REVEAL = {"registry.reveal_resident", "registry.export_personal_resident"}
_AREA_ADMIN = {
    "areas.add_area",
    "areas.change_area",
    "accounts.view_user",
    "accounts.add_user",
    "accounts.change_user",
}
_AUDIT = {"core.view_auditentry"}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.COMMAND: frozenset(_RESIDENT_READ | _RESIDENT_WRITE | _REVEAL | _AREA_ADMIN | _AUDIT),
    Role.STREET: frozenset(_RESIDENT_READ | _RESIDENT_WRITE | _REVEAL | _AREA_ADMIN | _AUDIT),
    Role.COMMUNITY: frozenset(
        _RESIDENT_READ
        | _RESIDENT_WRITE
        | _REVEAL
        | _AUDIT
        | {"areas.add_area", "areas.change_area"}
    ),
    Role.GRID_WORKER: frozenset(_RESIDENT_READ | _RESIDENT_WRITE | {"registry.reveal_resident"}),
    Role.ENTERPRISE_LIAISON: frozenset({"areas.view_area"}),
    Role.INSPECTOR: frozenset({"areas.view_area"}),
    Role.VOLUNTEER: frozenset(),
    Role.LEADER: frozenset(_RESIDENT_READ | {"core.view_auditentry"}),
}


def permissions_for(role: str) -> frozenset[str]:
    return ROLE_PERMISSIONS.get(role, frozenset())


# --- issue 4: screening, risk levels, cases/contacts, health monitoring, person status ---
_ISSUE4_READ = {
    "screening.view_campaign",
    "screening.view_visit",
    "screening.view_finding",
    "risk.view_risklevel",
    "risk.view_riskdesignation",
    "tracing.view_case",
    "tracing.view_contact",
    "health.view_assignment",
    "health.view_checkin",
    "health.view_alert",
    "health.view_nucleicacidtest",
    "health.view_healthcertificate",
    "status.view_personstatus",
    "status.view_statusoverride",
    "status.view_statuspolicy",
    "status.verify_personstatus",
}
_ISSUE4_FIELD = {  # what a grid worker records on the ground
    "screening.add_visit",
    "screening.add_finding",
    "health.add_assignment",
    "health.change_assignment",
    "health.add_checkin",
    "health.change_alert",
    "health.add_nucleicacidtest",
    "status.add_statusoverride",
}
_ISSUE4_MANAGE = {  # community, street and command staff
    "screening.add_campaign",
    "screening.change_campaign",
    "tracing.add_case",
    "tracing.change_case",
    "tracing.add_contact",
    "tracing.change_contact",
    "health.release_assignment",
    "health.review_nucleicacidtest",
    "health.add_healthcertificate",
    "health.revoke_healthcertificate",
    "status.approve_statusoverride",
}
_ISSUE4_POLICY = {"status.add_statuspolicy", "status.change_statuspolicy"}
_ISSUE4_RISK = {
    "risk.add_risklevel",
    "risk.change_risklevel",
    "risk.add_riskdesignation",
    "risk.change_riskdesignation",
}
_ISSUE4: dict[str, set[str]] = {
    Role.COMMAND: _ISSUE4_READ | _ISSUE4_FIELD | _ISSUE4_MANAGE | _ISSUE4_POLICY | _ISSUE4_RISK,
    Role.STREET: _ISSUE4_READ | _ISSUE4_FIELD | _ISSUE4_MANAGE | _ISSUE4_POLICY,
    Role.COMMUNITY: _ISSUE4_READ | _ISSUE4_FIELD | _ISSUE4_MANAGE,
    Role.GRID_WORKER: _ISSUE4_READ | _ISSUE4_FIELD,
    Role.LEADER: set(_ISSUE4_READ),
    # Checkpoint duty: scanning a personal code shows colour and masked name only.
    Role.ENTERPRISE_LIAISON: {"status.verify_personstatus"},
    Role.INSPECTOR: {"status.verify_personstatus", "risk.view_riskdesignation"},
    Role.VOLUNTEER: {"status.verify_personstatus"},
}
ROLE_PERMISSIONS = {
    role: perms | frozenset(_ISSUE4.get(role, ())) for role, perms in ROLE_PERMISSIONS.items()
}


# --- duty: working groups, duty rosters, handovers, notices with acknowledgment ---
# Signing a notice needs no permission: any recipient signs their own receipt.
_DUTY_READ = {
    "duty.view_workinggroup",
    "duty.view_shift",
    "duty.view_handover",
    "duty.view_handoveritem",
    "duty.view_notice",
}
_DUTY_ON_DUTY = {"duty.add_handover"}  # whoever stands a shift hands it over
_DUTY_MANAGE = {
    "duty.add_workinggroup",
    "duty.change_workinggroup",
    "duty.delete_workinggroup",
    "duty.add_shift",
    "duty.change_shift",
    "duty.delete_shift",
    "duty.import_shift",
    "duty.export_shift",
    "duty.change_handoveritem",
    "duty.add_notice",
    "duty.remind_notice",
}
_DUTY: dict[str, set[str]] = {
    Role.COMMAND: _DUTY_READ | _DUTY_ON_DUTY | _DUTY_MANAGE,
    Role.STREET: _DUTY_READ | _DUTY_ON_DUTY | _DUTY_MANAGE,
    Role.COMMUNITY: _DUTY_READ | _DUTY_ON_DUTY | _DUTY_MANAGE,
    Role.GRID_WORKER: {"duty.view_shift", "duty.view_handover"} | _DUTY_ON_DUTY,
    Role.LEADER: set(_DUTY_READ),
}
ROLE_PERMISSIONS = {
    role: perms | frozenset(_DUTY.get(role, ())) for role, perms in ROLE_PERMISSIONS.items()
}
