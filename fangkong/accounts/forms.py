"""Forms for accounts; the rules are in ``accounts.services``."""

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.areas.forms import ParentChoiceField
from fangkong.areas.models import Area
from fangkong.core.forms import StyledFormMixin
from fangkong.registry.forms import ResidentImportForm

from .choices import Role
from .models import User
from .services import grantable_roles


class UserForm(StyledFormMixin, forms.Form):
    """开设账号: who signs in, with which role, for which area; the password is generated."""

    needs_user = True

    username = forms.CharField(
        label=_("用户名"),
        max_length=150,
        help_text=_("登录时填写，建议用姓名拼音或工号；字母、数字和 @ . + - _"),
    )
    full_name = forms.CharField(label=_("姓名"), max_length=50, required=False)
    role = forms.ChoiceField(label=_("角色"))
    area = ParentChoiceField(
        label=_("所属区域"),
        queryset=Area.objects.none(),
        help_text=_("账号只能看到这个区域及其下级区域的数据"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = set(grantable_roles(user))
        self.fields["role"].choices = [(v, label) for v, label in Role.choices if v in allowed]
        self.fields["area"].queryset = Area.objects.visible_to(user).order_by("path")
        if "username" in self.fields:
            self.fields["username"].validators.append(User.username_validator)


class UserChangeForm(UserForm):
    """修改账号: name, role and area; the username stays what its holder signs in with. A
    system administrator bound to no area may stay so."""

    username = None

    def __init__(self, *args, user, account, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        if account.is_superuser and account.area_id is None:
            self.fields["area"].required = False


class AccountActionForm(StyledFormMixin, forms.Form):
    """The reason given with a stop or a restart (调离、离职、返岗), kept in the audit log."""

    reason = forms.CharField(label=_("原因"), max_length=200, required=False)


class UserImportForm(ResidentImportForm):
    """批量导入账号: the staff list and the area its accounts are opened in."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        area = self.fields["area"]
        area.help_text = _("未填写“所属区域”的行开设在此区域；所有行的区域都必须在此区域内")
