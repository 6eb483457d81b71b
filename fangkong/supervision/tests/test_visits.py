"""Visits (明查/暗访) with checklist answers, photos and findings, all or nothing."""

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from fangkong.supervision import services
from fangkong.supervision.models import ChecklistAnswer, Photo, Problem, Visit

from .conftest import TODAY

pytestmark = pytest.mark.django_db


def png(name="p.png", size=(40, 30)) -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, format="PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def checklist(areas, users):
    return services.create_checklist(
        actor=users["command"],
        data={"name": "社区防控检查", "area": areas["city"], "items": ["卡点值守", "测温登记"]},
    )


def _visit(inspector, group, areas, checklist, **kw):
    items = list(checklist.items.all())
    args = {
        "actor": inspector,
        "group": group,
        "area": areas["community"],
        "visited_on": TODAY,
        "mode": "unannounced",
        "target_kind": "checkpoint",
        "target_name": "啊喇乡卡点",
        "checklist": checklist,
        "answers": {items[0].pk: ("problem", "无人值守"), items[1].pk: ("ok", "")},
        "photos": [png()],
        "findings": [
            {
                "title": "卡点无人值守",
                "severity": "high",
                "deadline": TODAY + datetime.timedelta(days=1),
            }
        ],
    }
    return services.record_visit(**(args | kw))


def test_visit_with_answers_photo_and_finding(inspector, group, areas, checklist, media):
    visit = _visit(inspector, group, areas, checklist)
    assert (visit.mode, visit.target_kind, visit.inspector) == (
        "unannounced",
        "checkpoint",
        inspector,
    )
    assert list(ChecklistAnswer.objects.values_list("item__text", "result", "note")) == [
        ("卡点值守", "problem", "无人值守"),
        ("测温登记", "ok", ""),
    ]
    problem = Problem.objects.get()
    assert (problem.visit, problem.group, problem.area, problem.found_on) == (
        visit,
        group,
        areas["community"],
        TODAY,
    )
    photo = Photo.objects.get()
    assert photo.area == areas["community"] and photo.kind == "visit"
    stored = media / photo.image.name
    assert stored.exists() and photo.image.name.startswith("supervision/")
    with Image.open(stored) as img:  # re-encoded, still the picture
        assert img.size == (40, 30)


def test_a_file_that_is_not_an_image_stores_nothing(inspector, group, areas, checklist, media):
    fake = SimpleUploadedFile("x.jpg", b"<?php echo 1; ?>", content_type="image/jpeg")
    with pytest.raises(ValidationError) as e:
        _visit(inspector, group, areas, checklist, photos=[png(), fake])
    assert e.value.message_dict["photos"] == ["文件不是有效的图片"]
    assert (Visit.objects.count(), Problem.objects.count(), Photo.objects.count()) == (0, 0, 0)
    assert not any(p.is_file() for p in media.rglob("*"))


def test_oversized_photo_is_refused(inspector, group, areas, checklist, settings):
    settings.FANGKONG_MAX_PHOTO_BYTES = 10 * 1024
    big = SimpleUploadedFile("big.png", b"\x89PNG" + b"0" * 11 * 1024, content_type="image/png")
    with pytest.raises(ValidationError) as e:
        _visit(inspector, group, areas, checklist, photos=[big])
    assert e.value.message_dict["photos"] == ["照片不能超过 10 KB"]
    assert Visit.objects.count() == 0


def test_missing_checklist_answer_is_named(inspector, group, areas, checklist):
    first = checklist.items.first()
    with pytest.raises(ValidationError) as e:
        _visit(inspector, group, areas, checklist, answers={first.pk: ("ok", "")})
    assert e.value.message_dict["answers"] == ["检查项第 2 项未填写结果"]


def test_only_group_members_record_visits(users, group, areas, checklist):
    with pytest.raises(PermissionDenied):
        _visit(users["command"], group, areas, checklist)
    assert Visit.objects.count() == 0


def test_visit_outside_the_groups_areas_is_refused(inspector, group, areas, checklist):
    with pytest.raises(ValidationError) as e:
        _visit(inspector, group, areas, checklist, area=areas["miyi_community"])
    assert e.value.message_dict["area"] == ["该区域不在此督导组的督导范围内"]


def test_an_over_long_checklist_item_is_named_by_its_line(areas, users):
    """A checklist pasted from a notice, one line too long: “每个检查项不超过 200 字” left the
    office to find which of twenty lines it was. The message now names the lines."""
    from fangkong.supervision.models import ChecklistTemplate

    items = ["卡点值守", "测温登记", "长" * 201, "消毒记录", "短" * 200, "长" * 300]
    with pytest.raises(ValidationError) as e:
        services.create_checklist(
            actor=users["command"], data={"name": "清单", "area": areas["city"], "items": items}
        )
    assert e.value.message_dict == {"items": ["第 3、6 项超过 200 字，请精简"]}
    assert ChecklistTemplate.objects.count() == 0
