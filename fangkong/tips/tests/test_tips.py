"""Public tips: spam defences and the per-address limit, the receipt code and progress page,
triage → verification → reward, and the tip-giver's privacy everywhere."""

import io
import re
import time
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from fangkong.core.models import AuditEntry
from fangkong.tips import services
from fangkong.tips.forms import form_token
from fangkong.tips.models import Reward, Tip

pytestmark = pytest.mark.django_db

PHONE = "13812345678"
NAME = "王小明"


@pytest.fixture(autouse=True)
def limits(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.FANGKONG_TIP_LIMIT_PER_HOUR = 3
    settings.FANGKONG_TIP_MIN_SECONDS = 5


def form_data(**extra):
    data = {
        "category": "gathering",
        "description": "小区广场每晚有二十多人聚集打牌",
        "place": "海棠花语小区3栋楼下",
        "contact_name": NAME,
        "contact_phone": PHONE,
        "website": "",
        "started": form_token(time.time() - 60),
    }
    return data | extra


def post(client, data, addr="10.0.0.1"):
    return client.post(reverse("tips:submit"), data, REMOTE_ADDR=addr)


def submit(**kw):
    args = {
        "category": "price",
        "description": "超市口罩每个卖二十元",
        "place": "仁和街道某超市",
        "client_address": "10.0.0.9",
    }
    return services.submit_tip(**(args | kw))


def test_public_form_without_login_gives_a_receipt_code(client, areas):
    assert client.get(reverse("tips:submit")).status_code == 200
    empty = client.get(reverse("tips:thanks")).content.decode()
    assert "当前没有可显示的回执码" in empty
    response = post(client, form_data(area=areas["community"].pk))
    assert response.status_code == 302 and response.url == reverse("tips:thanks")
    tip = Tip.objects.get()
    assert (tip.area, tip.state, tip.anonymous) == (areas["community"], "new", False)
    assert len(tip.receipt_code) == 12 and tip.receipt_code.isalnum()
    page = client.get(reverse("tips:thanks")).content.decode()
    assert tip.receipt_code in page
    assert tip.receipt_code not in response.url  # not in any URL


def test_without_area_the_tip_waits_at_the_top_of_the_tree(client, areas):
    post(client, form_data())
    assert Tip.objects.get().area == areas["city"]


def test_anonymous_tip_keeps_no_contact(client, areas):
    post(client, form_data(anonymous="on", contact_name="", contact_phone=""))
    tip = Tip.objects.get()
    assert (tip.anonymous, tip.contact_name, tip.contact_phone) == (True, "", "")


def test_contact_typed_under_the_ticked_anonymous_box_is_not_dropped_silently(client, areas):
    """匿名举报 is ticked by default. A tip-giver who types a name and phone under it wants a
    call back and the reward: the form says the two contradict each other and keeps what
    was typed, instead of storing an anonymous tip without the contact."""
    response = post(client, form_data(anonymous="on"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "已勾选“匿名举报”，匿名举报不保存姓名和电话" in page
    assert Tip.objects.count() == 0
    form = response.context["form"]
    assert (form["contact_name"].value(), form["contact_phone"].value()) == (NAME, PHONE)
    assert form["description"].value() == "小区广场每晚有二十多人聚集打牌"
    with pytest.raises(ValidationError) as e:
        submit(anonymous=True, contact_phone=PHONE)
    assert list(e.value.error_dict) == ["anonymous"]


def test_tip_sent_back_says_its_photo_must_be_chosen_again(client, areas):
    """A tip with a photo but neither area nor place came back with an empty photo input and
    no word about it; sent again, the tip arrived without its photo."""
    from fangkong.supervision.tests.test_visits import png

    r = post(
        client, form_data(place="", anonymous="on", contact_name="", contact_phone="", photo=png())
    )
    assert r.status_code == 200
    errors = r.context["form"].errors
    assert errors["place"] == ["请选择所在区域或填写地点"]
    assert errors["photo"] == ["页面退回后照片不能保留，请重新选择照片"]
    assert Tip.objects.count() == 0


def test_rate_limit_per_address_with_a_chinese_message(client, areas):
    for _ in range(3):
        assert post(client, form_data()).status_code == 302
    response = post(client, form_data())
    assert response.status_code == 429
    assert "同一网络每小时最多提交 3 条线索" in response.content.decode()
    assert Tip.objects.count() == 3
    assert post(client, form_data(), addr="10.0.0.2").status_code == 302  # another address


def test_honeypot_and_too_fast_and_forged_token_are_refused(client, areas):
    r = post(client, form_data(website="http://spam.example"))
    assert "提交未成功，请稍后再试" in r.content.decode()
    r = post(client, form_data(started=form_token(time.time())))
    assert "提交过快，请核对填写的内容后再提交" in r.content.decode()
    r = post(client, form_data(started="12345"))
    assert "页面已过期，请刷新页面后重新填写" in r.content.decode()
    assert Tip.objects.count() == 0


def test_named_tip_needs_a_valid_phone(client, areas):
    r = post(client, form_data(contact_phone="12"))
    assert "联系电话格式不正确" in r.content.decode()
    assert Tip.objects.count() == 0


def test_photo_must_be_an_image(client, areas):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("a.jpg", b"not an image", content_type="image/jpeg")
    r = post(client, form_data(photo=fake))
    assert "文件不是有效的图片" in r.content.decode()
    assert Tip.objects.count() == 0


def test_progress_page_shows_state_only(client, areas, users):
    tip = submit(area=areas["community"], anonymous=False, contact_name=NAME, contact_phone=PHONE)
    services.assign_tip(actor=users["command"], tip=tip, area=areas["community"], note="请核查")
    page = client.post(reverse("tips:progress"), {"code": tip.receipt_code.lower()})
    text = page.content.decode()
    assert "已交由属地核查" in text
    for secret in (NAME, PHONE, "请核查", "command", "海棠花语社区", tip.description):
        assert secret not in text
    missing = client.post(reverse("tips:progress"), {"code": "ABCDEFGHJKMN"})
    assert "未找到该回执码" in missing.content.decode()


def test_triage_verify_reward_paid(areas, users):
    command, community = users["command"], users["community"]
    tip = submit(anonymous=False, contact_name=NAME, contact_phone=PHONE)
    with pytest.raises(ValidationError) as e:
        services.verify_tip(actor=command, tip=tip, founded=True, outcome="x")
    assert e.value.message_dict["state"] == ["线索当前状态为“待分拣”，不能登记核查结果"]
    services.assign_tip(actor=command, tip=tip, area=areas["community"])
    services.verify_tip(actor=community, tip=tip, founded=True, outcome="已约谈店主，价格恢复")
    with pytest.raises(PermissionDenied):
        services.record_reward(actor=community, tip=tip, amount=Decimal("200"))
    reward = services.record_reward(actor=command, tip=tip, amount=Decimal("200"))
    import datetime

    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as e:
        services.mark_reward_paid(actor=command, reward=reward, paid_on=tomorrow)
    assert e.value.message_dict["paid_on"] == ["发放日期不能晚于今天"]
    services.mark_reward_paid(actor=command, reward=reward, paid_on=datetime.date.today())
    reward.refresh_from_db()
    tip.refresh_from_db()
    assert (tip.state, reward.amount, reward.paid_on) == (
        "verified",
        Decimal("200.00"),
        datetime.date.today(),
    )


def test_reward_only_for_verified_tips(areas, users):
    tip = submit()
    with pytest.raises(ValidationError):
        services.record_reward(actor=users["command"], tip=tip, amount=Decimal("100"))
    assert Reward.objects.count() == 0


def test_no_reward_for_an_anonymous_tip(client, areas, users):
    """The public form promises rewards to tips given with a name and phone. An anonymous
    tip, however well founded, has nobody to pay: the reward form is not offered and the
    service refuses it, so no reward sits in the ledger as paid to no one."""
    command = users["command"]
    tip = submit(area=areas["community"])
    services.assign_tip(actor=command, tip=tip, area=areas["community"])
    services.verify_tip(actor=command, tip=tip, founded=True, outcome="属实，已约谈店主")
    client.force_login(command)
    detail = client.get(reverse("tips:tip_detail", args=[tip.pk]))
    assert detail.context["reward_form"] is None
    with pytest.raises(ValidationError) as e:
        services.record_reward(actor=command, tip=tip, amount=Decimal("100"))
    assert e.value.message_dict["tip"] == ["匿名举报没有留下联系方式，无法登记和发放奖励"]
    r = client.post(reverse("tips:reward_add", args=[tip.pk]), {"amount": "100"}, follow=True)
    assert "匿名举报没有留下联系方式，无法登记和发放奖励" in r.content.decode()
    assert Reward.objects.count() == 0


def test_assign_choices_read_as_a_tree(client, areas, users):
    """交办区域 listed bare names, so communities of the same name in two streets were two
    identical lines. They now read under their streets, indented by level."""
    tip = submit(area=areas["community"])
    client.force_login(users["command"])
    page = client.get(reverse("tips:tip_detail", args=[tip.pk])).content.decode()
    select = re.search(r'<select name="area"[^>]*>(.*?)</select>', page, re.S).group(1)
    options = re.findall(r"<option[^>]*>([^<]*)</option>", select)
    assert options[1:] == [
        "攀枝花市",
        "\u3000仁和区",
        "\u3000\u3000仁和街道",
        "\u3000\u3000\u3000海棠花语社区",
        "\u3000米易县",
        "\u3000\u3000攀莲镇",
        "\u3000\u3000\u3000迷阳水岸社区",
    ]


def test_refused_verification_keeps_the_typed_outcome(client, areas, users):
    """The community types what it found on a phone; meanwhile someone else changed the tip.
    The page comes back with the 核查结果 still typed and the reason on the form, instead
    of a redirect to an emptied form."""
    command = users["command"]
    tip = submit(area=areas["community"])
    services.assign_tip(actor=command, tip=tip, area=areas["community"])
    outcome = "已到现场核实：该超市口罩售价二十元属实，已约谈店主并责令按进价销售。"
    client.force_login(users["community"])
    url = reverse("tips:tip_verify", args=[tip.pk])
    r = client.post(url, {"founded": "1", "outcome": outcome, "version": tip.version - 1})
    assert r.status_code == 200
    form = r.context["verify_form"]
    assert form["outcome"].value() == outcome
    assert "该记录已被其他人修改" in form.non_field_errors()[0]
    assert outcome in r.content.decode()
    tip.refresh_from_db()
    assert (tip.state, tip.outcome) == ("assigned", "")


def test_tipster_is_masked_in_list_export_api_and_audit(client, areas, users):
    tip = submit(area=areas["community"], anonymous=False, contact_name=NAME, contact_phone=PHONE)
    for who in ("command", "community"):
        client.force_login(users[who])
        listing = client.get(reverse("tips:tip_list")).content.decode()
        detail = client.get(reverse("tips:tip_detail", args=[tip.pk])).content.decode()
        api = client.get(f"/api/v1/tips/{tip.pk}/").json()
        export = client.get(reverse("tips:tip_list") + "?export=xlsx")
        sheet = openpyxl.load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
        cells = {str(c.value) for row in sheet.iter_rows() for c in row}
        audit = client.get("/api/v1/audit-entries/?object_type=tips.tip").content.decode()
        for text in (listing, detail, str(api), str(cells), audit):
            assert NAME not in text and PHONE not in text, who
        assert api["contact_phone"] == "138****5678"
        assert "王*明" in listing
    # Only the reward handler may reveal, and the reading is audited.
    client.force_login(users["community"])
    assert client.post(reverse("tips:tip_reveal", args=[tip.pk])).status_code == 403
    client.force_login(users["command"])
    shown = client.post(reverse("tips:tip_reveal", args=[tip.pk])).content.decode()
    assert NAME in shown and PHONE in shown
    entry = AuditEntry.objects.filter(object_type="tips.tip", action="reveal").get()
    assert entry.actor_name == "command"
    assert entry.changes == {"fields": ["contact_name", "contact_phone"]}


def test_staff_outside_the_area_do_not_see_the_tip(client, areas, users):
    from fangkong.core.testing import factories

    tip = submit(area=areas["community"])
    other = factories.make_user("community", areas["miyi_community"])
    client.force_login(other)
    assert client.get(reverse("tips:tip_detail", args=[tip.pk])).status_code == 404
    assert tip.receipt_code not in client.get(reverse("tips:tip_list")).content.decode()


def test_a_tip_sent_to_the_wrong_community_goes_back_up_and_on(client, areas, users):
    """A tip about a place in another community could be neither sent on nor given back: the
    community returns it with a reason to the street above, and the office 改派 it."""
    command, community = users["command"], users["community"]
    tip = submit()
    services.assign_tip(actor=command, tip=tip, area=areas["community"])
    client.force_login(community)
    page = client.get(reverse("tips:tip_detail", args=[tip.pk])).content.decode()
    assert "退回上级" in page and "改派" not in page  # the community covers only itself
    r = client.post(reverse("tips:tip_return", args=[tip.pk]), {"note": " ", "version": 2})
    assert r.context["return_form"].errors["note"] == ["该字段是必填项。"]
    r = client.post(
        reverse("tips:tip_return", args=[tip.pk]), {"note": "该超市在迷阳水岸社区", "version": 2}
    )
    assert r.status_code == 302
    tip.refresh_from_db()
    assert (tip.state, tip.area, tip.triage_note) == (
        "new",
        areas["street"],
        "退回：该超市在迷阳水岸社区",
    )
    assert client.get(reverse("tips:tip_detail", args=[tip.pk])).status_code == 404

    services.assign_tip(actor=command, tip=tip, area=areas["community"])
    with pytest.raises(ValidationError) as e:
        services.assign_tip(actor=command, tip=tip, area=areas["community"])
    assert e.value.message_dict["area"] == ["线索已交办给该区域，请选择另一个区域"]
    with pytest.raises(PermissionDenied):  # the community cannot send it sideways
        services.assign_tip(actor=community, tip=tip, area=areas["miyi_community"])
    client.force_login(command)
    page = client.get(reverse("tips:tip_detail", args=[tip.pk])).content.decode()
    assert "改派" in page
    r = client.post(
        reverse("tips:tip_assign", args=[tip.pk]),
        {"area": areas["miyi_community"].pk, "note": "转迷阳水岸社区核查", "version": tip.version},
    )
    assert r.status_code == 302
    tip.refresh_from_db()
    assert (tip.state, tip.area) == ("assigned", areas["miyi_community"])
    changes = AuditEntry.objects.filter(object_type="tips.tip").order_by("-id").first().changes
    assert changes["area"] == [areas["community"].pk, areas["miyi_community"].pk]


def test_the_api_returns_a_tip_for_triage(areas, users):
    from rest_framework.test import APIClient

    tip = submit()
    services.assign_tip(actor=users["command"], tip=tip, area=areas["community"])
    url = f"/api/v1/tips/{tip.pk}/return/"
    api = APIClient()
    api.force_login(users["community"])
    assert api.post(url, {"note": "", "version": 2}, format="json").status_code == 400
    r = api.post(url, {"note": "不属于本社区", "version": 2}, format="json")
    assert r.status_code == 200 and r.json()["state"] == "new"
