from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.areas.models import Area
from fangkong.core.forms import AreaChoiceField, DateInput, StyledFormMixin
from fangkong.status.clock import local_date

from .figures import REGISTRY
from .models import ReportTemplate
from .report import DEFAULT_NAME, find_template


class ReportForm(StyledFormMixin, forms.Form):
    area = AreaChoiceField(label=_("区域"), queryset=Area.objects.none())
    date = forms.DateField(label=_("日期"), widget=DateInput)
    template = forms.ChoiceField(label=_("报表模板"))
    format = forms.ChoiceField(label=_("格式"), choices=[("xlsx", "Excel"), ("pdf", "PDF")])

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
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

    def clean_date(self):
        # As the dashboard's 回看: no figures exist yet for a day to come.
        day = self.cleaned_data["date"]
        if day > local_date(timezone.now()):
            raise forms.ValidationError(_("报表日期不能晚于今天"))
        return day

    def clean(self):
        """The chosen template as ``report_template``: the area's or an office's above it.
        A street's template is offered to the city office, for that street, not the city."""
        data = super().clean()
        area, name = data.get("area"), data.get("template")
        if area is not None and name:
            try:
                data["report_template"] = find_template(self.user, area, name)
            except ReportTemplate.DoesNotExist:
                self.add_error(
                    "template",
                    _("“%(name)s”不是所选区域或其上级单位的报表模板") % {"name": name},
                )
        return data


def figure_choices() -> list:
    """The registry's figures grouped under their headings, for the row select."""
    groups: dict[str, list] = {}
    for f in REGISTRY.values():
        groups.setdefault(str(f.group), []).append((f.key, f.label))
    return [("", _("请选择统计项目")), *groups.items()]


class ReportTemplateForm(StyledFormMixin, forms.Form):
    # Blank values reach the service, which says what is missing in one message per field.
    name = forms.CharField(label=_("模板名称"), max_length=50, required=False)
    title = forms.CharField(label=_("报表标题"), max_length=100, required=False)


class TemplateRowForm(StyledFormMixin, forms.Form):
    """One row of a template: a figure, and optionally its heading and its own title.

    ``key`` is a plain field with a select: an unknown key reaches the service, which names it.
    """

    key = forms.CharField(label=_("统计项目"), required=False, widget=forms.Select)
    group = forms.CharField(label=_("分组标题"), max_length=100, required=False)
    label = forms.CharField(label=_("项目名称"), max_length=100, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["key"].widget.choices = figure_choices()
        self.fields["group"].widget.attrs["placeholder"] = _("默认：项目所属分组")
        self.fields["label"].widget.attrs["placeholder"] = _("默认：项目名称")


TemplateRowFormSet = forms.formset_factory(TemplateRowForm, extra=0)


class SubmitReportForm(ReportForm):
    """日报报送: the day and template of the user's own area's report; a reason when it
    corrects one already sent (the service says so)."""

    reason = forms.CharField(
        label=_("更正原因"),
        max_length=300,
        required=False,
        help_text=_("再次报送同一天的日报时必填"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        del self.fields["format"]
        if getattr(user, "area_id", None) is not None:
            # An office sends its own area's report, to the office above it.
            self.fields["area"].queryset = Area.objects.filter(pk=user.area_id)
            self.fields["area"].empty_label = None
