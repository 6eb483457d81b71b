from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.personal import EncryptedTextField
from fangkong.core.scoping import ScopedQuerySet

from .choices import Role


class UserQuerySet(ScopedQuerySet):
    pass


class UserManager(
    models.Manager.from_queryset(UserQuerySet), AbstractUser._meta.default_manager.__class__
):
    pass


class User(AbstractUser):
    """账号: a person who signs in, bound to one role and one area subtree."""

    scope_field = "area"
    # A login's audit entry (``accounts.security``) in the audit viewer's words.
    # A reset password (``accounts.services``) is recorded as the fact, never the value.
    audit_labels = {
        "result": _("登录结果"),
        "address": _("来源地址"),
        "password": _("密码"),
        "api_token": _("API 令牌"),
    }
    audit_value_labels = {
        "result": {"success": _("成功"), "failed": _("失败"), "locked": _("账号已锁定")},
        "password": {"reset": _("已由管理员重置")},
        "api_token": {"ended": _("已失效")},
    }

    role = models.CharField(_("角色"), max_length=16, choices=Role.choices, default=Role.LEADER)
    area = models.ForeignKey(
        "areas.Area",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("所属区域"),
    )
    full_name = models.CharField(_("姓名"), max_length=50, blank=True)
    # A work contact, given by an import of the street's staff list; personal, so encrypted.
    phone = EncryptedTextField(_("手机号"), kind="phone")
    failed_logins = models.PositiveSmallIntegerField(default=0, editable=False)
    locked_until = models.DateTimeField(null=True, blank=True, editable=False)
    # Set with a password someone else has seen (opened, reset by an administrator): its
    # holder changes it before anything else (``accounts.middleware``).
    password_change_required = models.BooleanField(_("须修改密码"), default=False, editable=False)

    objects = UserManager()

    audit_named = True  # the audit log names it where an entry refers to it

    class Meta:
        verbose_name = _("账号")
        verbose_name_plural = _("账号")

    def __str__(self):
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    @property
    def role_label(self) -> str:
        """The role as shown: a system administrator's (``createsuperuser``) is no role of the
        list (its field keeps the default, 领导(只读)), so it is named for what it is."""
        if self.is_superuser:
            return str(_("系统管理员"))
        return self.get_role_display()

    def save(self, *args, **kwargs):
        # A new password (changed after a leak, reset by an administrator) ends the API
        # token issued under the old one, whichever way it was set; a new one is asked for.
        new_password = self._password is not None and self.pk is not None
        super().save(*args, **kwargs)
        if new_password:
            from rest_framework.authtoken.models import Token

            Token.objects.filter(user=self).delete()
