from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.personal import BlindIndexField, EncryptedTextField, mask_name
from fangkong.core.search import SearchKeyField

from .base import EnterpriseRecord


class Employee(EnterpriseRecord):
    """企业职工: one person on an enterprise's roster. ID number and phone are encrypted.

    The person is linked to the registry's resident with the same ID number through the blind
    index (``id_number_index`` uses the registry's purpose), so the link follows the registry
    without being stored: see ``selectors.with_return_state``.
    """

    name = models.CharField(_("姓名"), max_length=50)
    id_number = EncryptedTextField(_("身份证号"), kind="id_number")
    phone = EncryptedTextField(_("联系电话"), kind="phone")
    department = models.CharField(_("部门/岗位"), max_length=50, blank=True)
    returning_from = models.CharField(_("从何地返回"), max_length=100, blank=True)
    notes = models.TextField(_("备注"), blank=True)

    id_number_index = BlindIndexField(source="id_number", purpose="id")
    name_norm = SearchKeyField(source="name", key="norm", max_length=50)
    name_initials = SearchKeyField(source="name", key="initials", max_length=50)

    class Meta:
        verbose_name = _("企业职工")
        verbose_name_plural = _("企业职工")
        ordering = ["enterprise", "department", "name", "id"]
        permissions = [
            ("import_employee", _("导入企业职工")),
            ("export_employee", _("导出企业职工")),
            ("export_personal_employee", _("导出未脱敏的企业职工信息")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "id_number_index"], name="employee_enterprise_id"
            )
        ]

    def __str__(self):
        return self.name

    def audit_repr(self) -> str:
        return mask_name(self.name)
