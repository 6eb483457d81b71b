"""The navbar's menus: ``{% navmenu _("人口与排查") %}{% include "registry/_nav.html" %}…``.

Each app's ``_nav.html`` lists its own entries (``<li><a class="dropdown-item">``) behind its
own permission checks. A menu renders each part on its own, keeps the parts that show at
least one entry, separates them with a divider and shows nothing at all when no part does:
a user sees only the menus with something in them for their role.
"""

from __future__ import annotations

import re

from django import template
from django.template.loader_tags import IncludeNode
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()

ENTRY = 'class="dropdown-item"'
DIVIDER = '<li><hr class="dropdown-divider"></li>'
# A divider with nothing after it (or before it) is dropped; so are two in a row.
_HR = re.escape(DIVIDER)
EDGE_DIVIDERS = re.compile(rf"^(\s*{_HR})+|({_HR}\s*)+$")
DOUBLE_DIVIDERS = re.compile(rf"({_HR}\s*){{2,}}")


class NavMenuNode(template.Node):
    def __init__(self, label, nodelist):
        self.label, self.nodelist = label, nodelist

    def render(self, context) -> str:
        # One part per include; the text between includes stays together as one part.
        parts, loose = [], []
        for node in self.nodelist:
            if isinstance(node, IncludeNode):
                parts += ["".join(loose), node.render(context)]
                loose = []
            else:
                loose.append(node.render(context))
        parts = [p.strip() for p in [*parts, "".join(loose)] if ENTRY in p]
        if not parts:
            return ""
        body = f"\n{DIVIDER}\n".join(parts)
        body = DOUBLE_DIVIDERS.sub(DIVIDER, body)
        body = EDGE_DIVIDERS.sub("", body.strip())
        return format_html(
            '<li class="nav-item dropdown">'
            '<a class="nav-link dropdown-toggle" href="#" role="button" data-bs-toggle="dropdown"'
            ' aria-expanded="false">{}</a><ul class="dropdown-menu">{}</ul></li>',
            self.label.resolve(context),
            mark_safe(body),  # noqa: S308 (the apps' own rendered templates)
        )


@register.tag
def navmenu(parser, token):
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError("{% navmenu label %} takes one label")
    nodelist = parser.parse(("endnavmenu",))
    parser.delete_first_token()
    return NavMenuNode(parser.compile_filter(bits[1]), nodelist)


@register.filter
def has_dashboard_figures(user) -> bool:
    """The dashboard's own rule (a figure over a model the user may view), for its menu entry."""
    from fangkong.dashboard.figures import figures_for

    return bool(figures_for(user))
