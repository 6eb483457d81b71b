"""Forms for creating and editing areas; the rules are in ``areas.services``."""

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.core.forms import StyledFormMixin

from .choices import AreaLevel
from .models import Area


class ParentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Area) -> str:
        return f"{'　' * obj.depth}{obj.name}（{obj.code}）"


class AreaForm(StyledFormMixin, forms.Form):
    """新增/编辑区域. Code and level are fixed once created; name and parent may change."""

    needs_user = True

    code = forms.CharField(label=_("区划代码"), max_length=32)
    name = forms.CharField(label=_("名称"), max_length=100)
    level = forms.TypedChoiceField(label=_("层级"), choices=AreaLevel.choices, coerce=int)
    parent = ParentChoiceField(label=_("上级区域"), queryset=Area.objects.none(), required=False)

    def __init__(self, *args, user, instance: Area | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance = instance
        parents = Area.objects.visible_to(user).exclude(level=AreaLevel.GRID).order_by("path")
        if instance is not None:
            parents = parents.exclude(path__startswith=instance.path)
            self.fields["code"].disabled = True
            self.fields["level"].disabled = True
            self.initial.update(
                code=instance.code,
                name=instance.name,
                level=instance.level,
                parent=instance.parent_id,
            )
        self.fields["parent"].queryset = parents


class AreaImportForm(StyledFormMixin, forms.Form):
    """导入区域网格: the county's list (区划代码, 名称, 层级, 上级代码)."""

    file = forms.FileField(
        label=_("文件"), help_text=_("支持 .xlsx、.xls、.csv（UTF-8 或 GBK 编码）")
    )
    dry_run = forms.BooleanField(label=_("只预检，不写入"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = ".xlsx,.xls,.csv"

    def clean_file(self):
        from pathlib import Path

        from django.conf import settings

        upload = self.cleaned_data["file"]
        if Path(upload.name).suffix.lower() not in (".xlsx", ".xls", ".csv"):
            raise forms.ValidationError(_("只能导入 .xlsx、.xls 或 .csv 文件"))
        if upload.size > settings.FANGKONG_MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("文件太大（上限 %(mb)s MB）")
                % {"mb": settings.FANGKONG_MAX_UPLOAD_BYTES // (1024 * 1024)}
            )
        return upload
