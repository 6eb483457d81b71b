"""Forms of the price pages; the daily report is one form with a row per necessity."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.areas.models import Area
from fangkong.core.forms import StyledFormMixin, style_form
from fangkong.registry.forms import ResidentImportForm

from .models import Commodity, Market


class MarketForm(StyledFormMixin, forms.ModelForm):
    needs_user = True

    class Meta:
        model = Market
        fields = ["area", "name", "kind", "address", "active"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = Area.objects.visible_to(user)


class CommodityForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Commodity
        fields = [
            "name",
            "category",
            "price_unit",
            "stock_unit",
            "sort_order",
            "alert_percent",
            "baseline_days",
            "active",
        ]


class PriceReportForm(StyledFormMixin, forms.Form):
    """价格日报: ``price_<id>`` and ``stock_<id>`` per active necessity; blank = not sold."""

    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args, commodities, current=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = []
        current = current or {}
        for c in commodities:
            line = current.get(c.pk)
            price = forms.DecimalField(
                label=_("%(name)s 价格(%(unit)s)") % {"name": c.name, "unit": c.price_unit},
                required=False,
                min_value=0,
                max_digits=10,
                decimal_places=2,
                initial=line.price if line else None,
                widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
            )
            stock = forms.DecimalField(
                label=_("库存(%(unit)s)") % {"unit": c.stock_unit},
                required=False,
                min_value=0,
                max_digits=14,
                decimal_places=2,
                initial=line.stock if line else None,
                widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
            )
            self.fields[f"price_{c.pk}"] = price
            self.fields[f"stock_{c.pk}"] = stock
            self.rows.append((c, f"price_{c.pk}", f"stock_{c.pk}"))
        self.fields["note"] = self.fields.pop("note")
        style_form(self)  # the per-item fields were added after the mixin styled the form

    def bound_rows(self):
        return [(c, self[p], self[s]) for c, p, s in self.rows]

    def prices(self) -> dict[int, tuple]:
        d = self.cleaned_data
        return {c.pk: (d.get(p), d.get(s)) for c, p, s in self.rows}


class MarketImportForm(ResidentImportForm):
    """导入市场名单: the file and the area its rows belong to."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        area = self.fields["area"]
        area.label = _("导入到区域")
        area.help_text = _("未填写所属区域的行归入此区域；所有行的区域都必须在此区域内")
