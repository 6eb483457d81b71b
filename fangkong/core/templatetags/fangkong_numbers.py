"""``{{ value|figure }}``: a statistic as ``fangkong.formats.figure`` writes it."""

from django import template

from fangkong.formats import figure as _figure

register = template.Library()


@register.filter
def figure(value) -> str:
    return _figure(value)
