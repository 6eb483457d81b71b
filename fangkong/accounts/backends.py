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
