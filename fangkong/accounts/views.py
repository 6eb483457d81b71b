"""Sign-in, sign-out and the user's own account page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _

from fangkong.core import audit
from fangkong.core.forms import StyledFormMixin
from fangkong.core.middleware import public
from fangkong.core.models.audit import AuditAction
from fangkong.core.views.home import role_capabilities


class LoginForm(StyledFormMixin, AuthenticationForm):
    pass


class StyledPasswordChangeForm(StyledFormMixin, PasswordChangeForm):
    pass


@public
class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.get_user()
        audit.record(
            user,
            audit.Event(
                action=AuditAction.LOGIN,
                object_type="accounts.user",
                object_id=str(user.pk),
                object_repr=user.get_username(),
                area_path=user.area.path if user.area_id else "",
            ),
        )
        return response


@public
class LogoutView(auth_views.LogoutView):
    """POST only (Django's default); the navbar has a small form for it."""


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    form_class = StyledPasswordChangeForm
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("密码已修改"))
        return response


def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "accounts/profile.html",
        {
            "profile": user,
            "area_name": user.area.full_name() if user.area_id else "",
            "capabilities": role_capabilities(user),
        },
    )
