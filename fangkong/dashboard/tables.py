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


class SubmittedReportTable(Table):
    detail_url_name = "dashboard:submitted_detail"
    columns = (
        Column("day", _("报表日期"), link=True),
        *area_columns("area", _("报送单位")),
        Column("title", _("报表标题"), link=True),
        Column("template_name", _("报表模板")),
        Column("revision", _("报送版本")),
        Column("submitted_by", _("报送人"), render=lambda r: r.submitted_by.display_name),
        Column("submitted_at", _("报送时间")),
        Column("reason", _("更正原因")),
    )
