import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fangkong.core.filtersets import AreaSubtreeFilter

from .choices import Role
from .models import User


class UserFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("用户名或姓名"), method="filter_q")
    role = django_filters.ChoiceFilter(label=_("角色"), choices=Role.choices)
    area = AreaSubtreeFilter(label=_("区域"))
    # Stopped accounts (someone who left) stay listed; this finds them, or only those in use.
    is_active = django_filters.ChoiceFilter(
        label=_("状态"), choices=[("1", _("启用")), ("0", _("已停用"))], method="filter_active"
    )

    class Meta:
        model = User
        fields = ["q", "role", "area", "is_active"]

    def filter_active(self, qs, name, value):
        return qs.filter(is_active=value == "1")

    def filter_q(self, qs, name, value):
        return qs.filter(Q(username__icontains=value) | Q(full_name__contains=value))
