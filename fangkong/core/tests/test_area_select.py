"""The area drop-down (core.forms.AreaSelect) of every list's area filter and of the area
fields: the areas the user sees in tree order, indented under the highest one, the chosen
one selected, names escaped — written as one string, equal to what the user could pick."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from fangkong.areas.choices import AreaLevel
from fangkong.core.forms import INDENT, AreaChoiceField
from fangkong.core.testing.factories import area

OPTION = re.compile(r'<option value="([^"]*)"( selected)?>([^<]*)</option>')


def _area_options(html: str) -> list[tuple[str, bool, str]]:
    select = re.search(r'<select name="area"[^>]*>(.*?)</select>', html, re.S).group(1)
    return [(v, bool(s), label) for v, s, label in OPTION.findall(select)]


def test_the_filter_lists_the_visible_tree_indented(client, users, areas):
    client.force_login(users["street"])
    html = client.get(reverse("registry:resident_list")).content.decode()
    options = _area_options(html)
    assert options[0] == ("", True, "全部")  # nothing chosen yet: every area
    street, community, grid_a, grid_b = (
        areas[k] for k in ("street", "community", "grid_a", "grid_b")
    )
    # Only the street's subtree (scoping), parents before children, one indent per level.
    assert options[1:] == [
        (str(street.pk), False, "仁和街道"),
        (str(community.pk), False, INDENT + "海棠花语社区"),
        (str(grid_a.pk), False, INDENT * 2 + "第一网格"),
        (str(grid_b.pk), False, INDENT * 2 + "第二网格"),
    ]


def test_the_chosen_area_is_selected_and_names_are_escaped(client, users, areas):
    odd = area("510411001001G09", '<b>"甲&乙"</b>', AreaLevel.GRID, areas["community"])
    client.force_login(users["command"])
    html = client.get(reverse("registry:resident_list"), {"area": odd.pk}).content.decode()
    assert "<b>" not in html.split('<select name="area"')[1].split("</select>")[0]
    options = _area_options(html)
    chosen = [o for o in options if o[1]]
    assert chosen == [(str(odd.pk), True, INDENT * 4 + "&lt;b&gt;&quot;甲&amp;乙&quot;&lt;/b&gt;")]
    assert len(options) == 1 + 11  # the empty choice and the city's eleven areas
    assert (
        client.get(reverse("registry:resident_list"), {"area": areas["grid_c"].pk}).status_code
        == 200
    )


def test_a_form_field_validates_against_the_same_areas(users, areas):
    from fangkong.screening.forms import visible_areas

    field = AreaChoiceField(queryset=visible_areas(users["community"]))
    html = field.widget.render("area", areas["grid_b"].pk)
    assert f'<option value="{areas["grid_b"].pk}" selected>{INDENT}第二网格</option>' in html
    assert f'value="{areas["grid_c"].pk}"' not in html  # another community's grid
    assert field.clean(str(areas["grid_b"].pk)) == areas["grid_b"]


DISABLED = re.compile(r'<option value="([^"]*)"( disabled)?( selected)?>([^<]*)</option>')


def test_a_field_of_grids_shows_their_communities_as_headings(users, areas):
    """A field that offers grids only (a resident's grid) shows each grid's community as a
    heading that cannot be chosen, so same-named grids of different communities differ."""
    from fangkong.registry.forms.model_forms import visible_grids

    field = AreaChoiceField(queryset=visible_grids(users["street"]), context_parents=True)
    html = field.widget.render("area", areas["grid_a"].pk)
    options = [(v, bool(d), bool(s), label) for v, d, s, label in DISABLED.findall(html)]
    assert options == [
        ("", False, False, "---------"),
        (str(areas["community"].pk), True, False, "海棠花语社区"),
        (str(areas["grid_a"].pk), False, True, INDENT + "第一网格"),
        (str(areas["grid_b"].pk), False, False, INDENT + "第二网格"),
    ]
    with pytest.raises(ValidationError):  # a heading sent anyway is refused
        field.clean(str(areas["community"].pk))
    assert field.clean(str(areas["grid_b"].pk)) == areas["grid_b"]


def test_headings_only_where_the_parent_is_not_offered(users, areas):
    """With every visible area offered, no heading is added: the tree is its own context."""
    from fangkong.screening.forms import visible_areas

    field = AreaChoiceField(queryset=visible_areas(users["street"]), context_parents=False)
    assert " disabled" not in field.widget.render("area", None)
    with_parents = AreaChoiceField(queryset=visible_areas(users["community"]), context_parents=True)
    html = with_parents.widget.render("area", None)
    # The community's own street heads the list; the community and its grids follow.
    assert html.count(" disabled") == 1
    assert html.index("仁和街道") < html.index("海棠花语社区")


@pytest.mark.parametrize(
    "url_name", ["dashboard:report", "supplies:donation_add", "supplies:fund_add"]
)
def test_the_report_and_supplies_forms_list_the_tree_indented(client, users, areas, url_name):
    """The daily report's and the supplies forms' area fields listed every area flat, so the
    many 第一网格 could not be told apart."""
    client.force_login(users["street"])
    options = _area_options(client.get(reverse(url_name)).content.decode())
    assert (str(areas["grid_a"].pk), False, INDENT * 2 + "第一网格") in options
    assert (str(areas["community"].pk), False, INDENT + "海棠花语社区") in options


def test_a_notices_recipients_are_the_tree_indented_and_several_may_be_kept(client, users, areas):
    """接收单位 listed every area flat; after an error the chosen ones stay selected."""
    client.force_login(users["street"])
    html = client.post(
        reverse("duty:notice_add"),
        {
            "sender_area": areas["street"].pk,
            "kind": "notice",
            "body": "正文",  # no title: the form comes back
            "target_areas": [areas["grid_a"].pk, areas["grid_b"].pk],
        },
    ).content.decode()
    select = re.search(r'<select name="target_areas"([^>]*)>(.*?)</select>', html, re.S)
    assert "multiple" in select.group(1)
    options = [(v, bool(s), label) for v, s, label in OPTION.findall(select.group(2))]
    assert options == [
        (str(areas["street"].pk), False, "仁和街道"),
        (str(areas["community"].pk), False, INDENT + "海棠花语社区"),
        (str(areas["grid_a"].pk), True, INDENT * 2 + "第一网格"),
        (str(areas["grid_b"].pk), True, INDENT * 2 + "第二网格"),
    ]
