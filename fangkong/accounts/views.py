"""Sign-in, sign-out, the user's own account page and the accounts of one's area."""

from __future__ import annotations

from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from fangkong.core.forms import StyledFormMixin
from fangkong.core.middleware import public
from fangkong.core.personal import mask_phone
from fangkong.core.views.generic import ObjectListView, add_service_errors, error_text
from fangkong.core.views.home import role_capabilities
from fangkong.core.views.imports import XLSX, import_views

from . import security, services, tokens
from .filtersets import UserFilterSet
from .forms import AccountActionForm, UserChangeForm, UserForm, UserImportForm
from .holdings import holdings
from .models import User
from .tables import UserTable


class LoginForm(StyledFormMixin, AuthenticationForm):
    """Django's sign-in form through the lockout/throttling guard (``accounts.security``)."""

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            try:
                self.user_cache = security.guarded_authenticate(self.request, username, password)
            except ValidationError as e:
                raise ValidationError(e.messages[0], code=e.code) from None
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class StyledPasswordChangeForm(StyledFormMixin, PasswordChangeForm):
    def clean(self):
        cleaned = super().clean()
        new = cleaned.get("new_password2")
        if new and new == cleaned.get("old_password"):
            self.add_error("new_password2", _("新密码不能与原密码相同"))
        return cleaned


@public
class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        security.record_success(form.get_user(), self.request)
        return response


@public
class LogoutView(auth_views.LogoutView):
    """POST only (Django's default); the navbar has a small form for it."""


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    form_class = StyledPasswordChangeForm
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form):
        form.user.password_change_required = False  # saved with the new password
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
            "api_token": (token := tokens.current(user)),
            "api_token_expires": tokens.expires_at(token) if token else None,
        },
    )


@require_POST
def revoke_token(request: HttpRequest) -> HttpResponse:
    """End one's own API token (a lost phone, a device handed on)."""
    if tokens.revoke(actor=request.user):
        messages.success(request, _("API 令牌已撤销，使用它的设备须重新获取"))
    else:
        messages.info(request, _("没有可撤销的 API 令牌"))
    return redirect("accounts:profile")


class UnlockForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(label=gettext_lazy("解锁原因"), max_length=200, required=False)


def locked_list(request: HttpRequest) -> HttpResponse:
    """被锁定的账号: accounts locked by repeated wrong passwords, with an unlock button."""
    if not request.user.has_perm("accounts.change_user"):
        raise PermissionDenied(_("您没有访问此页面的权限"))
    return render(
        request,
        "accounts/locked_list.html",
        {"locked": security.locked_users(request.user), "form": UnlockForm()},
    )


@require_POST
def unlock(request: HttpRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(User.objects.visible_to(request.user), pk=pk)
    form = UnlockForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        security.unlock_user(actor=request.user, user=user, reason=reason)
    except PermissionDenied as e:
        messages.error(request, str(e))
    else:
        messages.success(request, _("已解除锁定：%(user)s") % {"user": user.get_username()})
    return redirect("accounts:locked_list")


class UserListView(ObjectListView):
    """账号管理: the accounts bound to the user's area subtree."""

    model = User
    filterset_class = UserFilterSet
    table_class = UserTable
    selector = staticmethod(lambda qs: qs.select_related("area").order_by("username"))
    # Staff names, roles and areas, no phone: whoever may see the accounts may list them out.
    export_permission = "accounts.view_user"
    list_url_name = "accounts:user_list"
    add_url_name = "accounts:user_add"
    extra_actions = (("accounts:user_import", gettext_lazy("批量导入账号"), "accounts.add_user"),)


@never_cache
def user_add(request: HttpRequest) -> HttpResponse:
    """开设账号; the generated password is shown once, on the page answering the POST."""
    if not request.user.has_perm("accounts.add_user"):
        raise PermissionDenied(_("您没有访问此页面的权限"))
    form = UserForm(data=request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user, password = services.create_user(
                actor=request.user,
                username=data["username"],
                full_name=data["full_name"],
                role=data["role"],
                area=data["area"],
            )
        except ValidationError as e:
            add_service_errors(form, e)
        except PermissionDenied as e:
            form.add_error(None, str(e))
        else:
            return render(
                request,
                "accounts/user_created.html",
                {
                    "account": user,
                    "password": password,
                    "area_name": user.area.full_name(),
                    "list_url": reverse("accounts:user_list"),
                },
            )
    return render(
        request,
        "generic/object_edit.html",
        {
            "form": form,
            "object": None,
            "version": None,
            "model_name": User._meta.verbose_name,
            "model_name_plural": _("账号管理"),
            "list_url": reverse("accounts:user_list"),
            "cancel_url": reverse("accounts:user_list"),
        },
    )


USER_IMPORTER = "accounts.user"

user_import, user_import_template = import_views(
    importer=USER_IMPORTER,
    permission="accounts.add_user",
    form_class=UserImportForm,
    template_name="accounts/user_import.html",
    template_url_name="accounts:user_import_template",
    file_name=lambda: _("账号导入模板") + ".xlsx",
)


@never_cache
@require_POST
def user_import_passwords(request: HttpRequest, pk) -> HttpResponse:
    """The initial passwords of the accounts an import opened: served once, to the one who
    ran it, then deleted (only their hashes remain)."""
    from fangkong.core.views.jobs import own_job

    job = own_job(request, pk)
    data = services.take_import_passwords(actor=request.user, job=job)
    if data is None:
        messages.error(
            request,
            _("初始密码表只能下载一次，已经下载过；如有遗失，请在账号页面为相关账号重置密码"),
        )
        return redirect("core:job_detail", pk=job.pk)
    response = HttpResponse(data, content_type=XLSX)
    name = quote(_("账号初始密码") + ".xlsx")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}"
    return response


def _account(request: HttpRequest, pk: int) -> User:
    """An account of the user's area subtree (404 outside it, as for any scoped row)."""
    if not request.user.has_perm("accounts.view_user"):
        raise PermissionDenied(_("您没有访问此页面的权限"))
    return get_object_or_404(User.objects.visible_to(request.user).select_related("area"), pk=pk)


def _may_manage(actor, user: User) -> bool:
    try:
        services.access_user(actor, user)
    except PermissionDenied:
        return False
    return True


def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One account: who, which role and area, enabled or not; with the actions the viewer may
    take on it (修改, 重置密码, 停用/启用)."""
    account = _account(request, pk)
    return render(
        request,
        "accounts/user_detail.html",
        {
            "account": account,
            "area_name": account.area.full_name() if account.area_id else "",
            "phone": mask_phone(account.phone) if account.phone else "",
            "manage": _may_manage(request.user, account),
            "is_self": account.pk == request.user.pk,
            "locked": bool(account.locked_until and account.locked_until > timezone.now()),
            "holdings": [(h, request.user.has_perm(h.perm)) for h in holdings(account)],
            "form": AccountActionForm(),
            "list_url": reverse("accounts:user_list"),
        },
    )


def user_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """修改账号: full name, role, area, within what the editor may give."""
    account = _account(request, pk)
    try:
        services.access_user(request.user, account)
    except PermissionDenied as e:
        raise PermissionDenied(str(e)) from None
    initial = {"full_name": account.full_name, "role": account.role, "area": account.area_id}
    form = UserChangeForm(
        data=request.POST or None, initial=initial, user=request.user, account=account
    )
    detail_url = reverse("accounts:user_detail", args=[account.pk])
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.change_user(
                actor=request.user,
                user=account,
                full_name=data["full_name"],
                role=data["role"],
                area=data["area"],
            )
        except ValidationError as e:
            add_service_errors(form, e)
        except PermissionDenied as e:
            form.add_error(None, str(e))
        else:
            messages.success(request, _("账号已修改：%(user)s") % {"user": account.username})
            area_id = data["area"].pk if data["area"] is not None else None
            if (data["role"], area_id) != (initial["role"], initial["area"]):
                _warn_holdings(request, account)
            return redirect(detail_url)
    return render(
        request,
        "generic/object_edit.html",
        {
            "form": form,
            "object": account,
            "version": None,
            "model_name": User._meta.verbose_name,
            "model_name_plural": _("账号管理"),
            "list_url": reverse("accounts:user_list"),
            "cancel_url": detail_url,
        },
    )


@require_POST
def user_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    return _account_action(request, pk, services.deactivate_user, _("账号已停用：%(user)s"))


@require_POST
def user_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    return _account_action(request, pk, services.reactivate_user, _("账号已重新启用：%(user)s"))


def _account_action(request: HttpRequest, pk: int, action, done: str) -> HttpResponse:
    account = _account(request, pk)
    form = AccountActionForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        action(actor=request.user, user=account, reason=reason)
    except (ValidationError, PermissionDenied) as e:
        messages.error(request, error_text(e))
    else:
        messages.success(request, done % {"user": account.username})
        if not account.is_active:
            _warn_holdings(request, account)
    return redirect("accounts:user_detail", pk=account.pk)


def _warn_holdings(request: HttpRequest, account: User) -> None:
    """After a stop or a move: what the account still holds, to hand over (its page links)."""
    if held := holdings(account):
        messages.warning(
            request,
            _("该账号仍是：%(what)s。请尽快移交（见账号页面的链接）")
            % {"what": "；".join(str(h.label) for h in held)},
        )


@never_cache
@require_POST
def user_reset_password(request: HttpRequest, pk: int) -> HttpResponse:
    """重置密码; the new password is shown once, on the page answering the POST."""
    account = _account(request, pk)
    try:
        password = services.reset_password(actor=request.user, user=account)
    except (ValidationError, PermissionDenied) as e:
        messages.error(request, error_text(e))
        return redirect("accounts:user_detail", pk=account.pk)
    return render(
        request,
        "accounts/user_created.html",
        {
            "account": account,
            "password": password,
            "area_name": account.area.full_name() if account.area_id else "",
            "list_url": reverse("accounts:user_list"),
            "reset": True,
        },
    )
