"""Forms of the supplies pages. Rules live in ``supplies.rules`` and ``supplies.services``."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fangkong.areas.models import Area
from fangkong.core.forms import AreaChoiceField, DateInput, StyledFormMixin

from . import selectors
from .choices import (
    DonationKind,
    DonorKind,
    FundEntryKind,
    FundKind,
    LotSource,
    Unit,
    Urgency,
)
from .models import Fund, Item, Movement, Warehouse


class ItemForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Item
        fields = [
            "code",
            "name",
            "category",
            "spec",
            "unit",
            "alt_unit",
            "alt_factor",
            "alert_days",
            "active",
        ]


class AreaScopedFormMixin:
    """Area and place choices limited to what the user can see."""

    needs_user = True

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if "area" in self.fields:
            self.fields["area"].queryset = Area.objects.visible_to(user)
        for name in ("warehouse", "source", "destination", "unit_place"):
            if name in self.fields:
                self.fields[name].queryset = (
                    Warehouse.objects.visible_to(user).filter(active=True).select_related("area")
                )
        if "fund" in self.fields:
            self.fields["fund"].queryset = Fund.objects.visible_to(user)
        if "item" in self.fields:
            self.fields["item"].queryset = Item.objects.filter(active=True)


class WarehouseForm(AreaScopedFormMixin, StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Warehouse
        fields = ["area", "name", "kind", "address", "keeper", "active"]
        # Indented under their parents: a street has a 第1网格 in every community.
        field_classes = {"area": AreaChoiceField}


def _unit_field():
    return forms.ChoiceField(
        label=_("单位"), choices=[("", _("计量单位")), *Unit.choices], required=False
    )


class MovementForm(AreaScopedFormMixin, StyledFormMixin, forms.Form):
    """入库 / 出库 / 调拨 / 盘点调整: one form, the fields the kind needs."""

    warehouse = forms.ModelChoiceField(label=_("库点"), queryset=Warehouse.objects.none())
    item = forms.ModelChoiceField(label=_("物资"), queryset=Item.objects.none())
    counted = forms.DecimalField(
        label=_("实盘数量"),
        max_digits=16,
        decimal_places=4,
        min_value=0,
        required=False,
        help_text=_("填清点出的实际数量，系统按账面库存算出盘盈或盘亏"),
    )
    quantity = forms.DecimalField(label=_("数量"), max_digits=16, decimal_places=4)
    unit = _unit_field()
    source = forms.ChoiceField(label=_("来源"), choices=LotSource.choices, required=False)
    destination = forms.ModelChoiceField(
        label=_("调入库点"), queryset=Warehouse.objects.none(), required=False
    )
    recipient = forms.CharField(label=_("领用单位/人"), max_length=100, required=False)
    reason = forms.CharField(label=_("事由/原因"), max_length=200, required=False)
    document = forms.CharField(
        label=_("入库单号"),
        max_length=50,
        required=False,
        help_text=_(
            "按入库单登记时填写：同一入库单的同一物资只入库一次，之后导入该入库单不会重复入库"
        ),
    )

    FIELDS_BY_KIND = {
        "in": ("warehouse", "item", "quantity", "unit", "source", "document", "reason"),
        "out": ("warehouse", "item", "quantity", "unit", "recipient", "reason"),
        "transfer": ("warehouse", "destination", "item", "quantity", "unit", "reason"),
        "adjust": ("warehouse", "item", "counted", "quantity", "unit", "reason"),
    }

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        keep = self.FIELDS_BY_KIND[kind]
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]
        if kind == "transfer":
            # Also the places that sent the user's places stock: a surplus goes back there.
            mine = Warehouse.objects.visible_to(self.user).values("pk")
            back = selectors.suppliers_of(Movement.objects.visible_to(self.user)).values("pk")
            self.fields["destination"].queryset = Warehouse.objects.filter(
                Q(pk__in=mine) | Q(pk__in=back), active=True
            ).select_related("area")
            self.fields["destination"].help_text = _(
                "可调往本辖区库点，或退回给调入过该物资的上级库点"
            )
        if kind == "adjust":
            self.fields["quantity"].label = _("调整数量")
            self.fields["quantity"].required = False
            self.fields["quantity"].help_text = _("不填实盘数量时填差额：盘盈填正数，盘亏填负数")
            self.fields["reason"].required = True

    def clean(self):
        data = super().clean()
        if "counted" in self.fields:
            counted, quantity = data.get("counted"), data.get("quantity")
            if counted is None and quantity is None and not self.has_error("quantity"):
                self.add_error("counted", _("请填写实盘数量或调整数量"))
            elif counted is not None and quantity is not None:
                self.add_error("quantity", _("实盘数量与调整数量只填一项"))
        return data


class DonationForm(AreaScopedFormMixin, StyledFormMixin, forms.Form):
    area = AreaChoiceField(label=_("受赠区域"), queryset=Area.objects.none())
    kind = forms.ChoiceField(label=_("捐赠类型"), choices=DonationKind.choices)
    donor_kind = forms.ChoiceField(label=_("捐赠方类型"), choices=DonorKind.choices)
    donor_name = forms.CharField(label=_("捐赠方"), max_length=100)
    donor_contact = forms.CharField(label=_("联系电话"), max_length=30, required=False)
    channel = forms.CharField(
        label=_("捐赠渠道"),
        max_length=100,
        required=False,
        help_text=_("经由哪个部门/组织，如 市住建局"),
    )
    intended_use = forms.CharField(label=_("指定用途"), max_length=200, required=False)
    date = forms.DateField(label=_("捐赠日期"), widget=DateInput)
    amount = forms.DecimalField(
        label=_("金额(元)"), max_digits=14, decimal_places=2, required=False
    )
    fund = forms.ModelChoiceField(label=_("入账资金"), queryset=Fund.objects.none(), required=False)
    warehouse = forms.ModelChoiceField(
        label=_("入库库点"), queryset=Warehouse.objects.none(), required=False
    )
    notes = forms.CharField(
        label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class VoidDonationForm(StyledFormMixin, forms.Form):
    """撤销: the donation was recorded in error."""

    reason = forms.CharField(
        label=_("撤销原因"),
        max_length=300,
        help_text=_("如：重复登记；金额录错，已重新登记"),
        error_messages={"required": _("撤销捐赠须填写原因")},
    )


class GoodsLineForm(StyledFormMixin, forms.Form):
    item = forms.ModelChoiceField(
        label=_("物资"), queryset=Item.objects.filter(active=True), required=False
    )
    quantity = forms.DecimalField(label=_("数量"), max_digits=16, decimal_places=4, required=False)
    unit = _unit_field()


GoodsLineFormSet = forms.formset_factory(GoodsLineForm, extra=3, max_num=20)


class SupplyRequestForm(AreaScopedFormMixin, StyledFormMixin, forms.Form):
    unit_place = forms.ModelChoiceField(label=_("申领单位"), queryset=Warehouse.objects.none())
    item = forms.ModelChoiceField(label=_("物资"), queryset=Item.objects.none())
    quantity = forms.DecimalField(label=_("申领数量"), max_digits=16, decimal_places=4)
    unit = _unit_field()
    urgency = forms.ChoiceField(
        label=_("紧急程度"), choices=Urgency.choices, initial=Urgency.NORMAL
    )
    reason = forms.CharField(label=_("用途说明"), max_length=200, required=False)


class DecisionForm(StyledFormMixin, forms.Form):
    approved_quantity = forms.DecimalField(
        label=_("批准数量"), max_digits=16, decimal_places=4, required=False
    )
    note = forms.CharField(label=_("审批意见"), max_length=200, required=False)


class AllocateForm(AreaScopedFormMixin, StyledFormMixin, forms.Form):
    source = forms.ModelChoiceField(label=_("发出库点"), queryset=Warehouse.objects.none())
    item = forms.ModelChoiceField(label=_("物资"), queryset=Item.objects.none())


class FundForm(AreaScopedFormMixin, StyledFormMixin, forms.Form):
    area = AreaChoiceField(label=_("管理区域"), queryset=Area.objects.none())
    name = forms.CharField(label=_("名称"), max_length=100)
    kind = forms.ChoiceField(label=_("资金类型"), choices=FundKind.choices)
    notes = forms.CharField(
        label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class FundEntryForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=FundEntryKind.choices)
    amount = forms.DecimalField(label=_("金额(元)"), max_digits=14, decimal_places=2)
    date = forms.DateField(label=_("日期"), widget=DateInput)
    counterpart = forms.CharField(label=_("来源/去向单位"), max_length=100, required=False)
    purpose = forms.CharField(label=_("用途/说明"), max_length=200, required=False)
