"""A password someone else has seen (a new account's, a reset one) is changed first."""

from django.http import JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from fangkong.core.middleware import PUBLIC_PREFIXES, is_public_view, view_class_of

from .views import LogoutView, PasswordChangeView


class PasswordChangeRequiredMiddleware:
    """A signed-in holder of an account marked ``password_change_required`` reaches only the
    password change page (and sign-out) until they have set their own password. The API
    refuses such an account a token (``accounts.api.views``)."""

    allowed = (PasswordChangeView, LogoutView)

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or not user.password_change_required:
            return None
        if view_class_of(view_func) in self.allowed or is_public_view(view_func):
            return None
        if request.path.startswith("/api/"):
            # The signed-in browser's session reaches the API too: no data until the
            # password is its holder's own (a token is not issued before either).
            return JsonResponse({"detail": _("请先修改管理员发给您的密码，再使用系统")}, status=403)
        if request.path.startswith(PUBLIC_PREFIXES):
            return None
        return redirect("accounts:password_change")
