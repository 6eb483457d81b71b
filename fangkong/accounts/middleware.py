"""A password someone else has seen (a new account's, a reset one) is changed first."""

from django.shortcuts import redirect

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
        if request.path.startswith((*PUBLIC_PREFIXES, "/api/")):
            return None
        return redirect("accounts:password_change")
