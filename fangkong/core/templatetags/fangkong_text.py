"""``{{ items|joined }}`` / ``{{ people|joined:"display_name" }}``: a list in running text as
``fangkong.formats.joined`` writes it (张三、李四 in Chinese, "Zhang San, Li Si" in English)."""

from django import template

from fangkong.formats import joined as _joined

register = template.Library()


@register.filter
def joined(items, attribute: str = "") -> str:
    return _joined(getattr(item, attribute) if attribute else item for item in items or ())


@register.simple_tag
def list_separator() -> str:
    """Between items a loop lays out itself (a name with its badge): 、 or ", "."""
    return _joined(("", ""))
