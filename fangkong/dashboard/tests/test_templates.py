"""The report-template page (一表通): list, create, edit with ordered rows, copy, delete,
export; scoped to the office, audited, and the daily report filled from the chosen template."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from fangkong.core.models import AuditEntry
from fangkong.dashboard import services
from fangkong.dashboard.models import ReportTemplate

pytestmark = pytest.mark.django_db


def _rows(*rows, op="save", **fields) -> dict:
    data = {"op": op, "items-TOTAL_FORMS": str(len(rows)), "items-INITIAL_FORMS": "0"}
    data |= {"name": "卫健委", "title": "卫健委疫情日报"} | fields
    for i, row in enumerate(rows):
        key, group, label = (*row, "", "")[:3] if isinstance(row, tuple) else (row, "", "")
        data |= {f"items-{i}-key": key, f"items-{i}-group": group, f"items-{i}-label": label}
    return data


def _form_rows(response) -> list[str]:
    return [f["key"].value() for f in response.context["rows"]]


@pytest.fixture
def city_template(areas, users):
    return services.create_report_template(
        actor=users["command"],
        area=areas["city"],
        name="市指挥部",
        title="市指挥部日报",
        items=["cases_new", "quarantined"],
    )


def test_create_with_ordered_rows_headings_and_titles(client, areas, users):
    client.force_login(users["command"])
    assert client.get(reverse("dashboard:template_add")).status_code == 200
    response = client.post(
        reverse("dashboard:template_add"),
        _rows(("quarantined", "隔离管控"), ("cases_new", "病例", "新增"), "", "monitored"),
    )
    template = ReportTemplate.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:template_edit", args=[template.pk])
    assert template.area == areas["city"] and template.title == "卫健委疫情日报"
    assert template.items == [
        {"key": "quarantined", "group": "隔离管控"},
        {"key": "cases_new", "group": "病例", "label": "新增"},
        {"key": "monitored"},
    ]
    entry = AuditEntry.objects.get(object_type="dashboard.reporttemplate")
    assert entry.action == "create"


def test_row_buttons_redraw_the_form_without_saving(client, users):
    client.force_login(users["command"])
    url = reverse("dashboard:template_add")
    rows = ("cases_new", "quarantined", "monitored")
    added = client.post(url, _rows(*rows, op="add"))
    assert _form_rows(added) == ["cases_new", "quarantined", "monitored", ""]
    up = client.post(url, _rows(*rows, op="up-2"))
    assert _form_rows(up) == ["cases_new", "monitored", "quarantined"]
    down = client.post(url, _rows(*rows, op="down-0"))
    assert _form_rows(down) == ["quarantined", "cases_new", "monitored"]
    removed = client.post(url, _rows(*rows, op="remove-1"))
    assert _form_rows(removed) == ["cases_new", "monitored"]
    # Out of range or at the edge: nothing moves.
    assert _form_rows(client.post(url, _rows(*rows, op="up-0"))) == list(rows)
    assert _form_rows(client.post(url, _rows(*rows, op="remove-9"))) == list(rows)
    assert removed.context["form"]["name"].value() == "卫健委"
    assert not ReportTemplate.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_rows("cases_new", "nope"), "未知的统计项目：nope"),
        (_rows("", ""), "报表至少需要一个统计项目"),
        (_rows("cases_new", "cases_new"), "统计项目重复：cases_new"),
        (_rows("cases_new", name="市指挥部"), "本单位已有同名模板"),
        (_rows("cases_new", name=" "), "请填写模板名称"),
        (_rows("cases_new", title=""), "请填写报表标题"),
    ],
)
def test_bad_input_gets_a_clear_message_and_writes_nothing(
    client, users, city_template, data, message
):
    client.force_login(users["command"])
    before = AuditEntry.objects.count()
    response = client.post(reverse("dashboard:template_add"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert ReportTemplate.objects.count() == 1 and AuditEntry.objects.count() == before
    # The rows typed are kept for correction.
    typed = _form_rows(response)
    assert typed == [data[f"items-{i}-key"] for i in range(len(typed))]


def test_edit_reorders_and_is_audited_with_optimistic_locking(client, users, city_template):
    client.force_login(users["command"])
    url = reverse("dashboard:template_edit", args=[city_template.pk])
    page = client.get(url)
    assert _form_rows(page) == ["cases_new", "quarantined"]
    data = _rows("quarantined", ("cases_new", "", "今日新增"), name="市指挥部", title="新标题")
    response = client.post(url, data | {"version": str(city_template.version)})
    assert response.status_code == 302
    city_template.refresh_from_db()
    assert city_template.title == "新标题"
    assert city_template.items == [
        {"key": "quarantined"},
        {"key": "cases_new", "label": "今日新增"},
    ]
    assert AuditEntry.objects.filter(object_type="dashboard.reporttemplate", action="update")
    stale = client.post(url, data | {"version": "1"})
    assert stale.status_code == 409


def test_copy_goes_to_the_users_office_with_a_free_name(client, areas, users, city_template):
    client.force_login(users["command"])
    url = reverse("dashboard:template_copy", args=[city_template.pk])
    first = client.post(url)
    second = client.post(url)
    copies = ReportTemplate.objects.exclude(pk=city_template.pk).order_by("pk")
    assert [c.name for c in copies] == ["市指挥部 副本", "市指挥部 副本2"]
    assert all(c.items == city_template.items and c.area == areas["city"] for c in copies)
    assert first["Location"] == reverse("dashboard:template_edit", args=[copies[0].pk])
    assert second.status_code == 302


def test_delete_asks_for_a_reason_and_is_audited(client, users, city_template):
    client.force_login(users["command"])
    url = reverse("dashboard:template_delete", args=[city_template.pk])
    assert client.post(url, {"reason": ""}).status_code == 200
    assert ReportTemplate.objects.exists()
    assert client.post(url, {"reason": "合并到新模板"}).status_code == 302
    assert not ReportTemplate.objects.exists()
    entry = AuditEntry.objects.get(object_type="dashboard.reporttemplate", action="delete")
    assert entry.reason == "合并到新模板"


def test_templates_are_scoped_to_the_office(client, areas, users, city_template):
    street = services.create_report_template(
        actor=users["street"],
        area=areas["street"],
        name="街道",
        title="街道日报",
        items=["cases_new"],
    )
    client.force_login(users["street"])
    listing = client.get(reverse("dashboard:template_list"))
    assert [t for t, _ in listing.context["table"]] == [street]
    above = client.get(reverse("dashboard:template_edit", args=[city_template.pk]))
    assert above.status_code == 404
    created = client.post(reverse("dashboard:template_add"), _rows("cases_new", name="新模板"))
    assert created.status_code == 302
    assert ReportTemplate.objects.get(name="新模板").area == areas["street"]
    # A community office reads templates but does not write them.
    client.force_login(users["community"])
    assert client.get(reverse("dashboard:template_list")).status_code == 200
    assert client.get(reverse("dashboard:template_add")).status_code == 403
    assert client.post(reverse("dashboard:template_copy", args=[street.pk])).status_code == 403
    client.force_login(users["grid_a"])
    assert client.get(reverse("dashboard:template_list")).status_code == 403


def test_list_exports_to_excel(client, users, city_template):
    client.force_login(users["command"])
    response = client.get(reverse("dashboard:template_list"), {"export": "xlsx"})
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    rows = list(load_workbook(io.BytesIO(body)).active.iter_rows(values_only=True))
    assert rows[0][:4] == ("模板名称", "报表标题", "所属单位", "项目数")
    assert rows[1][:4] == ("市指挥部", "市指挥部日报", "攀枝花市", 2)


def test_report_page_uses_the_chosen_template(client, areas, users, city_template):
    client.force_login(users["community"])
    page = client.get(reverse("dashboard:report"), {"template": "市指挥部"})
    assert page.context["form"]["template"].value() == "市指挥部"
    params = {
        "area": areas["community"].pk,
        "date": "2020-02-14",
        "template": "市指挥部",
        "format": "xlsx",
    }
    response = client.get(reverse("dashboard:report"), params)
    ws = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert ws["A1"].value == "市指挥部日报"
    labels = [r[0] for r in ws.iter_rows(min_row=5, values_only=True) if r[0]]
    assert labels[:4] == ["病例", "当日新增病例", "隔离与监测", "隔离中人员"]


def test_a_sub_offices_template_for_an_area_above_it_is_refused_on_the_form(client, areas, users):
    """The city office is offered its streets' templates (one street's form, for that
    street); asking one for the whole city was a server error (500), now a message."""
    services.create_report_template(
        actor=users["street"],
        area=areas["street"],
        name="街道日报",
        title="街道日报",
        items=["cases_new"],
    )
    client.force_login(users["command"])
    params = {"date": "2020-02-14", "template": "街道日报", "format": "xlsx"}
    response = client.get(reverse("dashboard:report"), {**params, "area": areas["city"].pk})
    assert response.status_code == 200 and "Content-Disposition" not in response
    assert response.context["form"].errors == {
        "template": ["“街道日报”不是所选区域或其上级单位的报表模板"]
    }
    # For the street itself (or below it) the street's template is used.
    response = client.get(reverse("dashboard:report"), {**params, "area": areas["street"].pk})
    assert response.status_code == 200 and response["Content-Disposition"].endswith('.xlsx"')
    assert load_workbook(io.BytesIO(response.content)).worksheets[0]["A1"].value == "街道日报"
