"""Opening a district's or a street's accounts from the list it already keeps (账号批量导入):
姓名, 登录名, 角色, 所属区域, 手机号; one account per row.

The rules are those of opening one by hand (``services.create_user``): the importer needs
``accounts.add_user``, every row's area lies inside the import's area (itself inside the
importer's subtree) and its role is one the importer may give (``services.require_grantable``).
A blank 登录名 is made from the name's pinyin (张三 → zhangsan, then zhangsan2). An import never
changes an existing account: a row naming a taken 登录名 is rejected, and so is a row without
one whose person has an account already (the list imported twice). Each account gets a
generated password its holder must change at the first sign-in; the passwords are handed
over once as a sheet (``password_sheets``), only their hashes are stored and audited never.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from pathlib import Path
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_noop as N_

from fangkong.areas.choices import AreaLevel
from fangkong.core import retention
from fangkong.core.importing import Column, Importer, PendingRow, phone_column, register
from fangkong.core.importing import parsers as p
from fangkong.core.importing.base import PHONE_ALIASES
from fangkong.core.search import compute_name_keys

from . import password_sheets, services
from .choices import Role
from .models import User
from .passwords import generate_password

# What street offices' lists call the roles besides their labels (``choices.Role``).
ROLE_ALIASES = {
    "指挥部": Role.COMMAND,
    "专班": Role.COMMAND,
    "工作专班": Role.COMMAND,
    "防控指挥部": Role.COMMAND,
    "街道": Role.STREET,
    "乡镇": Role.STREET,
    "乡": Role.STREET,
    "镇": Role.STREET,
    "街道办": Role.STREET,
    "街道工作人员": Role.STREET,
    "社区": Role.COMMUNITY,
    "村": Role.COMMUNITY,
    "社区工作人员": Role.COMMUNITY,
    "社区工作者": Role.COMMUNITY,
    "村干部": Role.COMMUNITY,
    "村委会": Role.COMMUNITY,
    "网格": Role.GRID_WORKER,
    "网格长": Role.GRID_WORKER,
    "专职网格员": Role.GRID_WORKER,
    "联络员": Role.ENTERPRISE_LIAISON,
    "驻企联络员": Role.ENTERPRISE_LIAISON,
    "防疫联络员": Role.ENTERPRISE_LIAISON,
    "企业": Role.ENTERPRISE_LIAISON,
    "督导": Role.INSPECTOR,
    "督导组": Role.INSPECTOR,
    "督导员": Role.INSPECTOR,
    "督查": Role.INSPECTOR,
    "党员志愿者": Role.VOLUNTEER,
    "领导": Role.LEADER,
}

_LOGIN_CHARS = re.compile(r"^[\w.@+-]+\Z", re.ASCII)
_ISSUED = "\0issued"  # the initial password given to a row's account, beside its cells
_GENERATED = "\0generated"  # the row's login was made from its name
_UNUSABLE = "!"  # a dry run's rows (rolled back) are not worth a password hash each
PREVIEW_LOGINS = 200  # a preview lists this many logins made from names; the rest are counted


def parse_username(value, ctx=None) -> str:
    name = p.cell_text(value).strip()
    if len(name) > 150:
        raise ValidationError(_("登录名太长，最多 150 个字符"))
    if not _LOGIN_CHARS.match(name):
        raise ValidationError(_("登录名只能包含字母、数字和 @ . + - _，不能有空格或汉字"))
    return name


def login_base(full_name: str) -> str:
    """A login made from a name: its pinyin (张三 → zhangsan), else its letters and digits."""
    login = compute_name_keys(full_name)[1]
    if not login:
        ascii_name = unicodedata.normalize("NFKD", full_name).encode("ascii", "ignore").decode()
        login = re.sub(r"[^a-z0-9]", "", ascii_name.lower())
    return (login or "user")[:140]


@register
class UserImporter(Importer):
    """账号: one account per row."""

    key = "accounts.user"
    model = User
    label = gettext_lazy("账号")
    permission = "accounts.add_user"
    natural_key = ("username",)
    key_column = "username"
    # Small batches: each new password is hashed (slow on purpose), and the progress bar
    # moves once per batch.
    batch_size = 100
    # What opening an account by hand records (``services.create_user``), and the phone.
    audited_fields = ("username", "full_name", "role", "area", "phone")
    columns = (
        Column(
            "full_name",
            N_("姓名"),
            ("人员姓名", "名字"),
            p.person_name(50),
            required=True,
            example="张三",
        ),
        Column(
            "username",
            N_("登录名"),
            ("用户名", "账号", "帐号", "登录账号", "账户"),
            parse_username,
            help=N_("字母、数字和 @ . + - _；不填则用姓名拼音生成，如 zhangsan、zhangsan2"),
            example="zhangsan",
            as_text=True,
        ),
        Column(
            "role",
            N_("角色"),
            ("岗位", "身份", "人员类别", "账号角色"),
            p.choice(Role, extra=ROLE_ALIASES),
            required=True,
            help=N_("网格员、社区/村、街道/乡镇、指挥部/专班、企业联络员、督导检查、志愿者、领导"),
            example="网格员",
        ),
        Column(
            "area",
            N_("所属区域"),
            ("所属网格/社区", "所属网格", "所属社区", "所属街道", "区域", "网格", "社区", "单位"),
            p.area_lookup(tuple(AreaLevel.values), label=gettext_lazy("区域")),
            help=N_("网格、社区或街道的名称或区划代码；不填则为导入时选择的区域"),
            example="老街社区",
        ),
        replace(phone_column(), header=N_("手机号"), aliases=(*PHONE_ALIASES, "联系电话")),
    )

    def __init__(self, ctx):
        super().__init__(ctx)
        if ctx.actor is None:  # the roles one may give are those of someone
            raise PermissionDenied(_("导入账号须指定以哪个账号的身份导入"))
        self.taken: set[str] | None = None  # lower-cased logins of the site and of the file
        self.given: dict[str, str] = {}  # the file's logins, lower-cased → as written
        self.generated: set[str] = set()  # the logins made from names, lower-cased
        self.passwords: list[tuple[str, str, str]] = []

    def _taken(self) -> set[str]:
        if self.taken is None:
            logins = User._base_manager.annotate(login=Lower("username"))
            self.taken = set(logins.values_list("login", flat=True))
        return self.taken

    def key_fields(self, values: dict[str, Any]) -> dict[str, Any] | None:
        """The row's login, made from the name when blank: the first of zhangsan, zhangsan2,
        … that no account and no earlier row of the file has."""
        login = values.get("username")
        if login is not None:
            self.given.setdefault(login.lower(), login)
            self._taken().add(login.lower())
            return {"username": login}
        if "full_name" not in values:
            return None
        base, taken, n = login_base(values["full_name"]), self._taken(), 1
        login = base
        while login in taken:
            n += 1
            login = f"{base}{n}"
        taken.add(login)
        self.generated.add(login)
        values["username"], values[_GENERATED] = login, True
        return {"username": login}

    def build(self, values: dict[str, Any]) -> dict[str, Any]:
        login = values["username"]
        if self.given.get(login.lower(), login) != login:
            raise ValidationError(
                {
                    "username": _("登录名与本文件中的“%(u)s”只差大小写，请换一个")
                    % {"u": self.given[login.lower()]}
                }
            )
        if not values.get(_GENERATED) and login.lower() in self.generated:
            raise ValidationError(
                {
                    "username": _("登录名“%(u)s”已由姓名生成给本文件中前面的一行，请换一个")
                    % {"u": login}
                }
            )
        try:
            services.require_grantable(self.ctx.actor, values["role"])
        except PermissionDenied as e:
            raise ValidationError({"role": str(e)}) from None
        return {
            "username": login,
            "full_name": values["full_name"],
            "role": values["role"],
            "area": values.get("area", self.ctx.area.pk),
            "phone": values.get("phone", ""),
            "password": _UNUSABLE,
            "password_change_required": True,
        }

    def foreign_row_message(self) -> str:
        return _("该登录名已有账号使用：导入不会修改已有账号，请换一个登录名或留空自动生成")

    def prepare_batch(self, rows: list[PendingRow]) -> None:
        """Refuse a login an account already has (in any letter case, as ``create_user``), and
        a row without one whose person has an account already; then each new account's
        password."""
        self._refuse_reopened([r for r in rows if r.values.get(_GENERATED)])
        rows = [r for r in rows if not r.errors]
        logins = {r.fields["username"].lower() for r in rows}
        used = set(
            User._base_manager.annotate(login=Lower("username"))
            .filter(login__in=logins)
            .values_list("login", flat=True)
        )
        for r in rows:
            if r.fields["username"].lower() in used:
                r.reject("username", self.foreign_row_message())
            elif not self.ctx.dry_run:
                account = User(username=r.fields["username"], full_name=r.fields["full_name"])
                password = generate_password(account)
                r.fields["password"] = make_password(password)
                r.values[_ISSUED] = password

    def _refuse_reopened(self, rows: list[PendingRow]) -> None:
        """A row with a blank 登录名 naming an account's holder: the same name, role and area
        (and the same phone where both give one). The same list imported again would
        otherwise open zhangsan2 beside zhangsan; namesakes within one file stay apart, and a
        namesake of an account gets one with a 登录名 given."""
        if not rows:
            return
        held: dict[tuple, list[tuple[str, str]]] = {}
        accounts = User._base_manager.filter(full_name__in={r.fields["full_name"] for r in rows})
        for account in accounts.only("username", "full_name", "role", "area_id", "phone"):
            key = (account.full_name, account.role, account.area_id)
            held.setdefault(key, []).append((account.username, account.phone or ""))
        for r in rows:
            f = r.fields
            for login, phone in held.get((f["full_name"], f["role"], f["area"]), ()):
                if not (phone and f["phone"] and phone != f["phone"]):
                    message = _(
                        "该区域已有同名、同角色的账号“%(login)s”：同一人无需再导入；"
                        "确为另一人请填写登录名"
                    )
                    r.reject("username", message % {"login": login})
                    break

    def merge(self, old: dict[str, Any], fields: dict[str, Any]) -> None:
        raise ValidationError({"username": self.foreign_row_message()})

    def after_batch(self, rows: list[PendingRow]) -> None:
        if not self.ctx.dry_run:
            self.passwords.extend(
                (r.fields["username"], r.fields["full_name"], r.values[_ISSUED]) for r in rows
            )
            return
        # The preview shows the logins it would make from names, to be checked before they
        # are handed out (the password sheet comes only with the import itself).
        listed = self.ctx.extra.setdefault("generated_logins", [])
        for r in rows:
            if r.values.get(_GENERATED):
                if len(listed) < PREVIEW_LOGINS:
                    listed.append([r.row, r.fields["full_name"], r.fields["username"]])
                else:
                    self.ctx.count("generated_logins_unlisted")

    def before_commit(self) -> None:
        """Hand the passwords over: to the command line's file, or kept for one download.
        Before the commit, so that a sheet that cannot be written (a full disk) leaves no
        account behind whose password nobody has."""
        sheet = password_sheets.workbook(self.passwords)
        self.passwords = []
        target = self.ctx.options.get("password_file")
        if target:
            password_sheets.write_private(Path(target), sheet)
            self.ctx.extra["password_file"] = str(target)
        else:
            token = password_sheets.store(sheet)
            self.ctx.extra["password_sheet"] = token
            # Removed with the job by retention if nobody ever downloads it.
            self.ctx.extra[retention.PRIVATE_FILES] = [str(password_sheets.path_of(token))]

    def object_repr(self, fields: dict[str, Any]) -> str:
        return fields["full_name"] or fields["username"]

    @classmethod
    def upload_url(cls, options: dict[str, Any]) -> str:
        from django.urls import reverse

        return reverse("accounts:user_import")

    @classmethod
    def result_html(cls, request, job) -> str:
        from django.template.loader import render_to_string

        result = job.result or {}
        token = result.get("password_sheet")
        if token:
            return render_to_string(
                "accounts/includes/import_passwords.html",
                {"job": job, "available": password_sheets.available(token)},
                request=request,
            )
        if result.get("dry_run") and result.get("generated_logins"):
            return render_to_string(
                "accounts/includes/import_logins.html",
                {
                    "logins": result["generated_logins"],
                    "unlisted": result.get("generated_logins_unlisted", 0),
                },
                request=request,
            )
        return ""
