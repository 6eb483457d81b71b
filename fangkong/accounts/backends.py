from django.contrib.auth.backends import ModelBackend

from .roles import permissions_for


class RoleBackend(ModelBackend):
    """Django's model backend plus the permissions of the user's role."""

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_role_perm_cache"):
            user_obj._role_perm_cache = set(super().get_all_permissions(user_obj)) | set(
                permissions_for(user_obj.role)
            )
        return user_obj._role_perm_cache

    def has_perm(self, user_obj, perm, obj=None):
        # A role's permission answers without the two queries for per-user and group
        # permissions (a scan upload pays for them on every request); anything else falls
        # through to the full set. Same answer either way: the set is their union.
        if (
            obj is None
            and user_obj.is_active
            and not user_obj.is_anonymous
            and perm in permissions_for(user_obj.role)
        ):
            return True
        return super().has_perm(user_obj, perm, obj)
