"""The enterprise list's ordinary export masks phones: importing it back says so, row by row."""

import random

import openpyxl
import pytest
from django.urls import reverse

from fangkong.core.importing import run_import
from fangkong.demo.enterprises import make_credit_code
from fangkong.enterprises.models import Enterprise

IMPORTER = "enterprises.enterprise"
MASKED_PHONE = (
    "联系电话是脱敏后的号码（“导出Excel”导出的表），不能导入：清空这些单元格即保留原号码，"
    "或改用“导出未脱敏数据”导出的表"
)


@pytest.mark.django_db
def test_a_masked_export_is_refused_with_the_way_out_and_clearing_keeps_the_phone(
    client, tmp_path, areas, users
):
    code = make_credit_code(random.Random(7))
    book = openpyxl.Workbook()
    book.active.append(
        ["企业名称", "统一社会信用代码", "行业", "所属区域", "联系人", "联系电话", "地址"]
    )
    book.active.append(
        ["仁和钒钛有限公司", code, "制造业", "海棠花语社区", "赵六", "13800009999", "旧址"]
    )
    book.save(tmp_path / "in.xlsx")
    actor, area = users["command"], areas["street"]
    run_import(IMPORTER, tmp_path / "in.xlsx", actor=actor, area=area)
    client.force_login(actor)
    response = client.get(reverse("enterprises:enterprise_list") + "?export=xlsx")
    (tmp_path / "out.xlsx").write_bytes(b"".join(response.streaming_content))
    exported = openpyxl.load_workbook(tmp_path / "out.xlsx")
    sheet = exported.active
    headers = [c.value for c in sheet[1]]
    phone, address = headers.index("联系电话") + 1, headers.index("地址") + 1
    assert sheet.cell(2, phone).value == "138****9999"

    sheet.cell(2, address).value = "新址"
    exported.save(tmp_path / "out.xlsx")
    refused = run_import(IMPORTER, tmp_path / "out.xlsx", actor=actor, area=area)
    sheet.cell(2, phone).value = None
    exported.save(tmp_path / "cleared.xlsx")
    cleared = run_import(IMPORTER, tmp_path / "cleared.xlsx", actor=actor, area=area)

    assert [(e.row, e.field, e.message) for e in refused.errors] == [(2, "联系电话", MASKED_PHONE)]
    assert (cleared.updated, cleared.rejected) == (1, 0)
    enterprise = Enterprise.objects.get(credit_code=code)
    assert (enterprise.address, enterprise.contact_phone) == ("新址", "13800009999")
