"""Numbers on pages are grouped by three digits in every language (fangkong.formats);
inputs keep plain digits."""

import datetime
from decimal import Decimal

import pytest
from django import forms
from django.contrib.humanize.templatetags.humanize import intcomma
from django.template import Context, Template
from django.utils import translation
from django.utils.formats import date_format

from fangkong.core.tables import Cell
from fangkong.formats import figure, grouped, joined, moment


@pytest.mark.parametrize("language", ["zh-hans", "zh-hant", "en"])
def test_numbers_are_grouped_by_three_digits(language):
    with translation.override(language):
        assert intcomma(1234567) == "1,234,567"
        assert grouped(Decimal("1680000.00")) == "1,680,000.00"
        assert grouped(-12345) == "-12,345"
        assert grouped(999) == "999"
        assert grouped(Decimal("1680000"), 2) == "1,680,000.00"
        out = Template('{{ a|floatformat:"2g" }} {{ q|floatformat:"-4g" }}').render(
            Context({"a": Decimal("1680000"), "q": Decimal("12500")})
        )
        assert out == "1,680,000.00 12,500"


def test_only_the_grouping_is_ours_the_rest_is_djangos():
    with translation.override("zh-hans"):
        assert date_format(datetime.date(2020, 2, 14)) == "2020年2月14日"
    with translation.override("zh-hant"):
        assert date_format(datetime.date(2020, 2, 14)) == "2020年2月14日"


def test_table_cells_group_counts_and_amounts_and_keep_every_digit():
    with translation.override("zh-hans"):
        assert Cell(1000000).text == "1,000,000"
        assert Cell(Decimal("1680000.50")).text == "1,680,000.50"
        assert Cell(Decimal("5E+2")).text == "500"  # never in exponent form
        assert Cell(Decimal("0.125")).text == "0.125"
        assert Cell(True).text == "✓" and Cell(False).text == ""
        assert Cell("510402********1234").text == "510402********1234"


class AmountForm(forms.Form):
    amount = forms.DecimalField(max_digits=12, decimal_places=2)
    people = forms.IntegerField()


def test_inputs_carry_plain_digits_and_read_them_back():
    # A grouped value in an input would not parse again on submit.
    with translation.override("zh-hans"):
        html = str(AmountForm(initial={"amount": Decimal("1680000.00"), "people": 12000}))
        assert 'value="1680000.00"' in html and 'value="12000"' in html
        form = AmountForm({"amount": "1680000.00", "people": "12000"})
        assert form.is_valid() and form.cleaned_data["amount"] == Decimal("1680000.00")


def test_a_statistic_reads_the_same_whichever_database_summed_it():
    # PostgreSQL keeps a sum's scale (1680000.00), SQLite may not (1680000).
    with translation.override("zh-hans"):
        assert figure(Decimal("1680000.00")) == figure(Decimal("1680000")) == "1,680,000"
        assert figure(Decimal("95.20")) == "95.2"
        assert figure(12000) == "12,000"
        out = Template("{% load fangkong_numbers %}{{ v|figure }}").render(
            Context({"v": Decimal("10000.000")})
        )
        assert out == "10,000"


def test_date_times_read_in_local_time_on_lists_and_in_messages(settings):
    """Stored in UTC, shown in the deployment's time zone: a list's cell as its detail page
    and its export show it (01:02 on 2 December in Shanghai is 17:02 on 1 December UTC)."""
    settings.TIME_ZONE = "Asia/Shanghai"
    stored = datetime.datetime(2026, 12, 1, 17, 2, tzinfo=datetime.UTC)
    assert Cell(stored).text == "2026-12-02 01:02"
    assert moment(stored) == "2026-12-02 01:02"
    assert moment(datetime.datetime(2026, 12, 2, 1, 2)) == "2026-12-02 01:02"  # naive: as given


def test_lists_in_running_text_use_each_languages_separator():
    with translation.override("zh-hans"):
        assert joined(["党员", "老人"]) == "党员、老人"
    with translation.override("en"):
        assert joined(["Party member", "Elderly"]) == "Party member, Elderly"
