from django.utils.translation import gettext_lazy as _

from fangkong.core.tables import Column, Table


class AreaTable(Table):
    detail_url_name = "areas:area_detail"
    columns = (
        Column("name", _("名称"), link=True),
        Column("code", _("区划代码")),
        Column("level", _("层级"), choices=True),
        Column("parent", _("上级区域"), accessor="parent.name"),
        # As the area import reads a parent: an export edited in Excel imports back.
        Column("parent_code", _("上级代码"), accessor="parent.code", html=False),
    )
