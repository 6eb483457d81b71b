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
