from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fangkong.areas.models import Area
from fangkong.core.forms import DateInput, StyledFormMixin

from .models import ReportTemplate
from .report import DEFAULT_NAME


class ReportForm(StyledFormMixin, forms.Form):
    area = forms.ModelChoiceField(label=_("区域"), queryset=Area.objects.none())
    date = forms.DateField(label=_("日期"), widget=DateInput)
    template = forms.ChoiceField(label=_("报表模板"))
    format = forms.ChoiceField(label=_("格式"), choices=[("xlsx", "Excel"), ("pdf", "PDF")])

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        areas = Area.objects.visible_to(user)
        self.fields["area"].queryset = areas
        # Templates of the user's offices and of the offices above them (their forms).
        root = getattr(user, "area", None)
        above = [a.pk for a in root.ancestors()] + [root.pk] if root is not None else []
        mine = ReportTemplate.objects.visible_to(user).values("pk")
        names = ReportTemplate.objects.filter(Q(area_id__in=above) | Q(pk__in=mine)).values_list(
            "name", flat=True
        )
        self.fields["template"].choices = [(DEFAULT_NAME, _("默认模板"))] + [
            (n, n) for n in sorted(set(names))
        ]
