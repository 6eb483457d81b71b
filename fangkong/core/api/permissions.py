"""API permission: signed in, and the role holds the model permission for the method."""

from rest_framework.permissions import DjangoModelPermissions


class RolePermission(DjangoModelPermissions):
    perms_map = {
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": [],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "POST": ["%(app_label)s.add_%(model_name)s"],
        "PUT": ["%(app_label)s.change_%(model_name)s"],
        "PATCH": ["%(app_label)s.change_%(model_name)s"],
        "DELETE": ["%(app_label)s.delete_%(model_name)s"],
    }

    def has_permission(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return False
        if getattr(view, "_ignore_model_permissions", False) or (
            not hasattr(view, "queryset") and not hasattr(view, "get_queryset")
        ):
            return True
        return super().has_permission(request, view)


class ViewPermission(RolePermission):
    """For actions that only read through the model but are POSTed (e.g. reveal): ``view_*``.

    Whatever else the action needs (``reveal_resident``) is checked by its service function.
    """

    perms_map = {
        method: ["%(app_label)s.view_%(model_name)s"]
        for method in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
    } | {"OPTIONS": []}
