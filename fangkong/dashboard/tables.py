from django.utils.translation import gettext_lazy as _

from fangkong.core.tables import Column, Table, area_columns


class ReportTemplateTable(Table):
    detail_url_name = "dashboard:template_edit"
    link_permission = "dashboard.change_reporttemplate"
    columns = (
        Column("name", _("模板名称"), link=True),
        Column("title", _("报表标题")),
        *area_columns("area", _("所属单位")),
        Column("item_count", _("项目数"), render=lambda t: len(t.items)),
        Column("updated_at", _("更新时间")),
    )
