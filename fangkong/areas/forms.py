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
