from django.utils.translation import gettext_lazy as _

from fangkong.core.tables import Column, Table


class UserTable(Table):
    detail_url_name = "accounts:user_detail"
    link_permission = "accounts.change_user"
    columns = (
        Column("username", _("用户名"), link=True),
        Column("full_name", _("姓名")),
        Column("role", _("角色"), accessor="role_label"),
        Column("area", _("所属区域"), accessor="area.name"),
        Column("is_active", _("启用")),
        Column("last_login", _("上次登录")),
    )
