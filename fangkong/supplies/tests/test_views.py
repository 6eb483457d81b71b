"""Supplies pages per role: content, scoping, forms writing through services, exports."""

import datetime
import io
import re
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from fangkong.core.models import AuditEntry
from fangkong.supplies import services
from fangkong.supplies.choices import DonationKind, DonorKind, RequestState
from fangkong.supplies.models import Donation, Movement, SupplyRequest

pytestmark = pytest.mark.django_db


@pytest.fixture
def stocked(users, catalogue, places):
    actor = users["command"]
    services.receive_stock(
        actor=actor, warehouse=places["city"], item=catalogue["gloves"], quantity=500
    )
    services.receive_stock(
        actor=actor, warehouse=places["miyi"], item=catalogue["gloves"], quantity=70
    )
    return places


def _sheet(response):
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [list(r) for r in wb.active.iter_rows(values_only=True)]


def test_stock_page_scoped_and_exported(client, users, stocked, django_assert_max_num_queries):
    client.force_login(users["command"])
    with django_assert_max_num_queries(12):
        page = client.get(reverse("supplies:stock_list")).content.decode()
    assert "市应急物资仓库" in page and "迷阳水岸社区" in page
    client.force_login(users["street"])  # 仁和街道: sees neither the city nor Miyi warehouse
    page = client.get(reverse("supplies:stock_list")).content.decode()
    assert "迷阳水岸社区" not in page and "市应急物资仓库" not in page
    client.force_login(users["command"])
    rows = _sheet(client.get(reverse("supplies:stock_list") + "?export=xlsx"))
    body = [r for r in rows if r and r[0] in ("市应急物资仓库", "迷阳水岸社区")]
    # Quantities are numbers in the workbook (they add up in Excel), shown plainly on the page.
    assert sorted((r[0], r[2], r[3]) for r in body) == [
        ("市应急物资仓库", "医用手套", 500),
        ("迷阳水岸社区", "医用手套", 70),
    ]
    page = client.get(reverse("supplies:stock_list")).content.decode()
    assert ">500<" in page and "E+" not in page
    # The workbook, its file and the audit entry say what the table is, not 出入库记录.
    response = client.get(reverse("supplies:stock_list") + "?export=xlsx")
    assert "%E7%89%A9%E8%B5%84%E5%BA%93%E5%AD%98" in response["Content-Disposition"]  # 物资库存
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames == ["物资库存"]
    entry = AuditEntry.objects.filter(action="export").latest("pk")
    assert (entry.object_type, entry.object_repr) == ("supplies.movement", "物资库存")


def test_movement_form_issues_stock_and_shows_shortage_in_chinese(
    client, users, catalogue, stocked
):
    client.force_login(users["command"])
    url = reverse("supplies:movement_add", args=["out"])
    data = {
        "warehouse": stocked["city"].pk,
        "item": catalogue["gloves"].pk,
        "quantity": "600",
        "recipient": "卡点",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert "库存不足" in response.content.decode()
    assert Movement.objects.count() == 2
    data["quantity"] = "120"
    response = client.post(url, data)
    assert response.status_code == 302
    assert Movement.objects.filter(kind="out").get().quantity == Decimal(-120)


def test_warehouse_detail_is_404_across_scope(client, users, stocked):
    client.force_login(users["grid_c"])
    assert client.get(
        reverse("supplies:warehouse_detail", args=[stocked["city"].pk])
    ).status_code in (403, 404)
    client.force_login(users["community"])
    assert (
        client.get(reverse("supplies:warehouse_detail", args=[stocked["miyi"].pk])).status_code
        == 404
    )
    page = client.get(reverse("supplies:warehouse_detail", args=[stocked["community"].pk]))
    assert page.status_code == 200


def test_donation_form_goods_lines_receipt_and_verify(client, users, catalogue, places, areas):
    client.force_login(users["command"])
    data = {
        "area": areas["city"].pk,
        "kind": DonationKind.GOODS,
        "donor_kind": DonorKind.PERSON,
        "donor_name": "王先生",
        "donor_contact": "13800001234",
        "date": "2020-02-14",
        "warehouse": places["city"].pk,
        "goods-TOTAL_FORMS": "3",
        "goods-INITIAL_FORMS": "0",
        "goods-0-item": catalogue["alcohol"].pk,
        "goods-0-quantity": "1.5",
        "goods-0-unit": "t",
        "goods-1-item": catalogue["gloves"].pk,
        "goods-1-quantity": "200",
        "goods-1-unit": "",
    }
    response = client.post(reverse("supplies:donation_add"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    donation = Donation.objects.get()
    detail = client.get(reverse("supplies:donation_detail", args=[donation.pk])).content.decode()
    assert "138****1234" in detail and "13800001234" not in detail
    assert "1,500" in detail  # traced: 1.5 t on hand at the warehouse, in kg
    # The list's totals say what the figures count: 1,500 of what.
    heading = client.get(reverse("supplies:donation_list")).content.decode()
    assert "酒精 1,500 千克" in heading and "医用手套 200 双" in heading
    # The list and its export say what each goods donation brought (the 公示 needs it).
    rows = _sheet(client.get(reverse("supplies:donation_list") + "?export=xlsx"))
    header = next(r for r in rows if r and "捐赠物品" in r)
    line = next(r for r in rows if r and "王先生" in r)
    assert line[header.index("捐赠物品")] == "酒精 1500 千克；医用手套 200 双"
    pdf = client.get(reverse("supplies:donation_receipt", args=[donation.pk]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    client.logout()
    ok = client.get(reverse("supplies:donation_verify", args=[donation.receipt_code]))
    assert ok.status_code == 200 and "王先生" in ok.content.decode()
    assert client.get(reverse("supplies:donation_verify", args=["NOPE"])).status_code == 404


def test_voiding_a_donation_from_its_page_voids_its_receipt(
    client, users, catalogue, places, areas
):
    donation = services.create_donation(
        actor=users["command"],
        area=areas["city"],
        kind=DonationKind.GOODS,
        donor_kind=DonorKind.PERSON,
        donor_name="王先生",
        date=datetime.date(2020, 2, 14),
        warehouse=places["city"],
        goods=[services.GoodsLine(catalogue["gloves"], Decimal("200"))],
    )
    url = reverse("supplies:donation_void", args=[donation.pk])
    client.force_login(users["leader"])
    assert (
        url
        not in client.get(reverse("supplies:donation_detail", args=[donation.pk])).content.decode()
    )
    assert client.post(url, {"reason": "重复登记"}).status_code == 403
    client.force_login(users["command"])
    detail = reverse("supplies:donation_detail", args=[donation.pk])
    assert url in client.get(detail).content.decode()
    empty = client.post(url, {"reason": "", "version": donation.version}, follow=True)
    assert "撤销捐赠须填写原因" in empty.content.decode()
    done = client.post(url, {"reason": "重复登记", "version": donation.version}, follow=True)
    page = done.content.decode()
    assert "已撤销捐赠登记" in page and "重复登记" in page and url not in page
    assert reverse("supplies:donation_receipt", args=[donation.pk]) not in page
    receipt = client.get(reverse("supplies:donation_receipt", args=[donation.pk]), follow=True)
    assert "该捐赠登记已撤销，不能打印收据" in receipt.content.decode()
    client.logout()
    check = client.get(reverse("supplies:donation_verify", args=[donation.receipt_code]))
    assert "收据无效" in check.content.decode() and "真实有效" not in check.content.decode()


def test_donation_list_export_masks_contact(client, users, areas):
    actor = users["command"]
    fund = services.create_fund(actor=actor, area=areas["city"], name="捐款", kind="donation")
    services.create_donation(
        actor=actor,
        area=areas["city"],
        kind=DonationKind.MONEY,
        donor_kind=DonorKind.PERSON,
        donor_name="李女士",
        donor_contact="13900005678",
        date=datetime.date(2020, 2, 1),
        amount="1000",
        fund=fund,
        channel="市红十字会",
    )
    client.force_login(actor)
    page = client.get(reverse("supplies:donation_list")).content.decode()
    assert "李女士" in page and "13900005678" not in page and "1,000.00" in page
    rows = _sheet(client.get(reverse("supplies:donation_list") + "?export=xlsx"))
    flat = [str(c) for r in rows for c in r if c is not None]
    assert "13900005678" not in " ".join(flat) and "139****5678" in flat


def test_request_approve_allocate_and_receive_through_pages(client, users, catalogue, stocked):
    gloves = catalogue["gloves"]
    client.force_login(users["community"])
    response = client.post(
        reverse("supplies:request_add"),
        {
            "unit_place": stocked["checkpoint"].pk,
            "item": gloves.pk,
            "quantity": "100",
            "urgency": "urgent",
            "reason": "卡点值守",
        },
    )
    assert response.status_code == 302
    req = SupplyRequest.objects.get()
    listing = client.get(reverse("supplies:request_list")).content.decode()
    assert f"100 {gloves.get_unit_display()}" in listing and "E+" not in listing
    assert (
        client.post(
            reverse("supplies:request_decide", args=[req.pk]), {"decision": "approve"}
        ).status_code
        == 403
    )
    client.force_login(users["command"])
    client.post(
        reverse("supplies:request_decide", args=[req.pk]),
        {"decision": "approve", "approved_quantity": "80", "version": "1"},
    )
    req.refresh_from_db()
    assert (req.state, req.approved_quantity) == (RequestState.APPROVED, 80)
    preview = client.get(
        reverse("supplies:allocate"), {"source": stocked["city"].pk, "item": gloves.pk}
    )
    assert "仁和高速卡点" in preview.content.decode()
    client.post(reverse("supplies:allocate"), {"source": stocked["city"].pk, "item": gloves.pk})
    req.refresh_from_db()
    assert req.state == RequestState.FULFILLED
    allocation = req.allocations.get()
    client.force_login(users["grid_a"])  # no receive permission for grid workers
    assert (
        client.post(reverse("supplies:allocation_receive", args=[allocation.pk])).status_code == 403
    )
    client.force_login(users["community"])
    page = client.get(reverse("supplies:allocation_list")).content.decode()
    assert "待签收" in page
    # What is being signed for: from where, how much of what.
    assert "市应急物资仓库 → 仁和高速卡点 · 医用手套 × 80 双" in page
    client.post(reverse("supplies:allocation_receive", args=[allocation.pk]), {"note": "ok"})
    allocation.refresh_from_db()
    assert allocation.state == "received"


def test_fund_pages(client, users, areas):
    client.force_login(users["command"])
    response = client.post(
        reverse("supplies:fund_add"),
        {"area": areas["city"].pk, "name": "专项党费", "kind": "party_fee"},
    )
    assert response.status_code == 302
    url = response["Location"]
    pk = int(url.rstrip("/").split("/")[-1])
    client.post(
        reverse("supplies:fund_entry_add", args=[pk]),
        {"kind": "income", "amount": "580000", "date": "2020-02-14", "counterpart": "市委组织部"},
    )
    client.post(
        reverse("supplies:fund_entry_add", args=[pk]),
        {"kind": "allocation", "amount": "1000000", "date": "2020-02-14", "counterpart": "超额"},
    )
    page = client.get(url).content.decode()
    assert "580,000.00" in page
    listing = client.get(reverse("supplies:fund_list")).content.decode()
    assert "580,000.00" in listing
    header, *rows = _sheet(client.get(reverse("supplies:fund_list") + "?export=xlsx"))
    fund = next(r for r in rows if r and r[0] == "专项党费")
    column = header.index("拨入/收入")
    assert (fund[column], fund[header.index("余额")]) == (580000, 580000)  # numbers, not text


@pytest.mark.parametrize(
    "name",
    [
        "item_list",
        "warehouse_list",
        "movement_list",
        "donation_list",
        "request_list",
        "allocation_list",
        "fund_list",
        "fundentry_list",
        "item_add",
        "warehouse_add",
        "donation_add",
        "request_add",
        "fund_add",
        "allocate",
    ],
)
def test_pages_render_for_command_and_are_forbidden_for_volunteers(client, users, name):
    client.force_login(users["command"])
    assert client.get(reverse(f"supplies:{name}")).status_code == 200
    client.force_login(users["volunteer"])
    assert client.get(reverse(f"supplies:{name}")).status_code == 403


def test_list_query_counts_do_not_grow_with_rows(
    client, users, catalogue, stocked, django_assert_max_num_queries
):
    actor = users["command"]
    for n in range(15):
        services.issue_stock(
            actor=actor,
            warehouse=stocked["city"],
            item=catalogue["gloves"],
            quantity=1,
            recipient=f"卡点{n}",
        )
    client.force_login(actor)
    for name in (
        "movement_list",
        "warehouse_list",
        "request_list",
        "donation_list",
        "fund_list",
        "fundentry_list",
        "allocation_list",
    ):
        with django_assert_max_num_queries(14):
            assert client.get(reverse(f"supplies:{name}")).status_code == 200


def test_a_unit_no_longer_offered_shows_as_stored_in_the_movements_list(client, users, areas):
    """A ledger row keeps the unit it was entered in; a unit since retired (or written by an
    older version) is shown as stored instead of failing the whole list."""
    from fangkong.core.testing import builders

    builders.build(Movement, areas["grid_a"], entered_unit="担", entered_quantity=Decimal("500"))
    client.force_login(users["command"])
    response = client.get(reverse("supplies:movement_list"))
    assert response.status_code == 200
    assert "500 担" in response.content.decode()  # never 5E+2


@pytest.mark.parametrize("place", ["city", "quarantine", "checkpoint"])
def test_request_list_and_export_show_the_units_kind_by_its_label(
    client, users, catalogue, places, place
):
    """单位类型 is the unit's kind label (物资仓库, 隔离点, 卡点), never a method's repr."""
    unit = places[place]
    services.submit_request(
        actor=users["command"], unit=unit, item=catalogue["gloves"], quantity=10
    )
    label = str(unit.get_kind_display())
    client.force_login(users["street"] if place != "city" else users["command"])
    page = client.get(reverse("supplies:request_list")).content.decode()
    assert f"<td>{label}</td>" in page and "functools" not in page
    client.force_login(users["command"])
    rows = _sheet(client.get(reverse("supplies:request_list") + "?export=xlsx"))
    kinds = [r[2] for r in rows if r and r[1] == unit.name]
    assert kinds == [label]


def test_stock_pages_keep_an_item_emptied_today_and_round_the_daily_outflow(
    client, users, catalogue, stocked
):
    """Gloves at the city warehouse all issued today: a row with stock 0 on the stock page,
    under 只看低库存 and on the warehouse's page. 78 masks issued in the window: 日均消耗
    11.14, not 11.142857…, on the page and in the export."""
    actor, city = users["command"], stocked["city"]
    services.issue_stock(
        actor=actor, warehouse=city, item=catalogue["gloves"], quantity=500, recipient="卡点"
    )
    services.receive_stock(actor=actor, warehouse=city, item=catalogue["masks"], quantity=1000)
    services.issue_stock(
        actor=actor, warehouse=city, item=catalogue["masks"], quantity=78, recipient="卡点"
    )
    client.force_login(actor)
    row = r"<td>市应急物资仓库</td>\s*<td>[^<]*</td>\s*<td>医用手套</td>\s*<td>0</td>"
    for url in (
        reverse("supplies:stock_list"),
        reverse("supplies:stock_list") + "?low=1",
        reverse("supplies:warehouse_detail", args=[city.pk]),
    ):
        page = client.get(url).content.decode()
        assert re.search(row, page), url
        assert "11.142" not in page
        assert ("11.14<" in page) is ("low" not in url), url  # masks: 82 days, not low
    rows = _sheet(client.get(reverse("supplies:stock_list") + "?export=xlsx"))
    by_item = {(r[0], r[2]): r for r in rows[1:] if r and r[0] == "市应急物资仓库"}
    assert by_item[("市应急物资仓库", "医用手套")][3] == 0
    assert by_item[("市应急物资仓库", "医用口罩")][5] == 11.14  # a number, to the hundredth


def test_stock_page_filters_by_area_and_day(client, users, catalogue, stocked):
    """The dashboard's 低库存预警 links the stock page of its area as of its day."""
    from .conftest import days_ago

    actor, miyi = users["command"], stocked["miyi"]
    services.issue_stock(
        actor=actor,
        warehouse=miyi,
        item=catalogue["gloves"],
        quantity=70,
        recipient="卡点",
        occurred_at=days_ago(0),
    )
    client.force_login(actor)
    url = reverse("supplies:stock_list")
    area = {"area": miyi.area.pk}
    assert client.get(url, {**area, "low": "true"}).context["count"] == 1  # emptied today
    assert client.get(url, {"low": "true"}).context["count"] == 1  # the city's one
    # Received and emptied today: as of yesterday the place held nothing.
    yesterday = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    assert client.get(url, {**area, "date": yesterday}).context["count"] == 0
    assert client.get(url, {"date": yesterday}).context["count"] == 0
    assert client.get(url).context["count"] == 2  # the city's 500 gloves and Miyi's 0
    assert client.get(url, {"area": stocked["community"].area.pk}).context["count"] == 0
    typo = client.get(url, {"low": "maybe"})
    assert "请选择“是”或“否”" in typo.content.decode()


def test_a_malformed_version_is_a_message_not_a_server_error(
    client, users, catalogue, places, areas
):
    """Pages post the version they showed; a hand-made ``version=abc`` was a 500."""
    donation = services.create_donation(
        actor=users["command"],
        area=areas["city"],
        kind=DonationKind.GOODS,
        donor_kind=DonorKind.PERSON,
        donor_name="王先生",
        date=datetime.date(2020, 2, 14),
        warehouse=places["city"],
        goods=[services.GoodsLine(catalogue["gloves"], Decimal("200"))],
    )
    client.force_login(users["command"])
    url = reverse("supplies:donation_void", args=[donation.pk])
    page = client.post(url, {"reason": "重复登记", "version": "abc"}, follow=True)
    assert "页面的版本号无效，请刷新后重新修改" in page.content.decode()
    donation.refresh_from_db()
    assert donation.voided_at is None


def test_warehouse_form_area_choice_reads_as_the_tree(client, users, areas):
    """A street has a 第1网格 in every community: the place's area is offered indented
    under its parents, as everywhere else, not as a flat list of look-alike names."""
    client.force_login(users["street"])
    page = client.get(reverse("supplies:warehouse_add")).content.decode()
    select = re.search(r'<select name="area".*?</select>', page, re.S).group(0)
    options = dict(re.findall(r'<option value="(\d+)"[^>]*>([^<]*)</option>', select))
    assert options[str(areas["street"].pk)] == areas["street"].name
    assert options[str(areas["community"].pk)] == "\u3000" + areas["community"].name
    assert options[str(areas["grid_a"].pk)] == "\u3000\u3000" + areas["grid_a"].name


def test_transfer_form_offers_the_supplying_place_for_a_return(client, users, catalogue, places):
    """The community's transfer form offers its own places and the city warehouse that sent
    it stock (to return a surplus), not the other places above it."""
    services.receive_stock(
        actor=users["command"], warehouse=places["city"], item=catalogue["gloves"], quantity=9
    )
    services.transfer_stock(
        actor=users["command"],
        source=places["city"],
        destination=places["community"],
        item=catalogue["gloves"],
        quantity=9,
    )
    client.force_login(users["community"])
    url = reverse("supplies:movement_add", args=["transfer"])
    page = client.get(url).content.decode()
    select = re.search(r'<select name="destination".*?</select>', page, re.S).group(0)
    assert "市应急物资仓库" in select and "海棠花语社区" in select
    assert "仁和集中隔离点" not in select
    data = {
        "warehouse": places["community"].pk,
        "destination": places["city"].pk,
        "item": catalogue["gloves"].pk,
        "quantity": "4",
        "reason": "剩余退回",
    }
    assert client.post(url, data).status_code == 302
    assert Movement.objects.filter(warehouse=places["city"], kind="transfer_in").get().quantity == 4


def test_count_form_takes_the_shelf_figure(client, users, catalogue, stocked):
    """The 盘点调整 form takes the counted figure (or a difference, not both)."""
    client.force_login(users["command"])
    url = reverse("supplies:movement_add", args=["adjust"])
    base = {"warehouse": stocked["city"].pk, "item": catalogue["gloves"].pk, "reason": "月末盘点"}
    both = client.post(url, base | {"counted": "480", "quantity": "-20"}).content.decode()
    assert "实盘数量与调整数量只填一项" in both
    neither = client.post(url, base).content.decode()
    assert "请填写实盘数量或调整数量" in neither
    assert client.post(url, base | {"counted": "480"}).status_code == 302
    row = Movement.objects.filter(kind="adjust").get()
    assert row.quantity == Decimal(-20) and "实盘 480 双，账面 500 双" in row.reason


def test_a_funds_entries_are_listed_and_exported(client, users, areas):
    """资金流水: a money donation spent on purchases, exported from the fund's page for the
    公示 of its use; another area's fund stays out."""
    actor = users["command"]
    fund = services.create_fund(actor=actor, area=areas["street"], name="街道捐款", kind="donation")
    other = services.create_fund(
        actor=actor, area=areas["miyi_community"], name="迷易捐款", kind="donation"
    )
    day = datetime.date(2020, 2, 14)
    services.record_fund_entry(
        actor=actor, fund=fund, kind="income", amount="5000", date=day, counterpart="爱心企业"
    )
    services.record_fund_entry(
        actor=actor,
        fund=fund,
        kind="spending",
        amount="3200",
        date=day,
        counterpart="医药公司",
        purpose="采购N95口罩",
    )
    services.record_fund_entry(
        actor=actor, fund=other, kind="income", amount="70", date=day, counterpart="个人"
    )
    client.force_login(users["street"])
    detail = client.get(reverse("supplies:fund_detail", args=[fund.pk])).content.decode()
    url = reverse("supplies:fundentry_list")
    assert f"{url}?fund={fund.pk}" in detail
    header, *rows = _sheet(client.get(f"{url}?fund={fund.pk}&export=xlsx"))
    amount = header.index("金额(元)")
    body = sorted((r[header.index("用途/说明")] or "", r[amount]) for r in rows if r and r[0])
    assert body == [("", 5000), ("采购N95口罩", -3200)]
    page = client.get(url).content.decode()
    assert "医药公司" in page and "迷易捐款" not in page


def test_unticking_active_retires_an_item_unless_it_is_held_somewhere(
    client, users, catalogue, stocked
):
    """启用 unticked on the item's page was \"saved\" and ignored; it now retires the item,
    but not while some place still holds it (no posting takes a retired item)."""
    client.force_login(users["command"])
    masks, gloves = catalogue["masks"], catalogue["gloves"]

    def post(item):
        data = {
            "code": item.code,
            "name": item.name,
            "category": item.category,
            "unit": item.unit,
            "alt_unit": item.alt_unit,
            "alt_factor": item.alt_factor or "",
            "alert_days": item.alert_days,
            "version": item.version,
        }  # "active" unticked: absent from the post
        return client.post(reverse("supplies:item_edit", args=[item.pk]), data)

    assert post(masks).status_code == 302
    masks.refresh_from_db()
    assert not masks.active
    page = post(gloves).content.decode()
    assert "仁和高速卡点" not in page
    assert "市应急物资仓库、迷阳水岸社区尚有该物资库存，请先出库或盘点清零后再停用" in page
    gloves.refresh_from_db()
    assert gloves.active
