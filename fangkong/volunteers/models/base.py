"""Scoping for volunteer data: staff see their area subtree; a volunteer sees only rows that
are theirs (``self_field`` names the lookup from the row to the volunteer's user)."""

from __future__ import annotations

from fangkong.accounts.choices import Role
from fangkong.core.scoping import ScopedManager, ScopedQuerySet, is_global


def is_volunteer_user(user) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and not is_global(user)
        and getattr(user, "role", None) == Role.VOLUNTEER
    )


class VolunteerScopedQuerySet(ScopedQuerySet):
    def visible_to(self, user) -> VolunteerScopedQuerySet:
        if not is_volunteer_user(user):
            return super().visible_to(user)
        field = getattr(self.model, "self_field", "")
        if not field or not user.is_active:
            return self.none()
        # A sub-select, so a lookup across a to-many relation never duplicates rows.
        own = self.model._base_manager.filter(**{field: user}).values("pk")
        return self.filter(pk__in=own)


VolunteerScopedManager = ScopedManager.from_queryset(VolunteerScopedQuerySet)
