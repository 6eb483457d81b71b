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

    class Meta:
        model = User
        fields = ["q", "role", "area"]

    def filter_q(self, qs, name, value):
        return qs.filter(Q(username__icontains=value) | Q(full_name__contains=value))
