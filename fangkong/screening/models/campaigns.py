from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import ScopedModel
from fangkong.core.scoping import ScopedQuerySet, is_global, subtree_ids, user_area


class CampaignQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        """Campaigns in the user's subtree, and those of areas above it that cover it (a
        grid worker works on the city's campaign, within their own grid)."""
        if is_global(user):
            return self
        root = user_area(user)
        if root is None:
            return self.none()
        return self.covering(root)

    def covering(self, area):
        """Campaigns that screen households of ``area``: those launched in its subtree and
        those of the areas above it (the list's 区域 filter, as the dashboard's 摸排 figures
        add up the households of every campaign running over an area)."""
        parts = area.path.rstrip("/").split("/")
        above = ["/".join(parts[:i]) + "/" for i in range(1, len(parts))]
        return self.filter(models.Q(area__in=subtree_ids(area)) | models.Q(area__path__in=above))


class Campaign(ScopedModel):
    """摸排行动: a screening of every household in an area subtree."""

    area = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="campaigns", verbose_name=_("范围")
    )
    title = models.CharField(_("名称"), max_length=100)
    description = models.TextField(_("说明与口径"), blank=True)
    origin_filter = models.CharField(
        _("来源地"), max_length=100, blank=True, help_text=_("如“湖北”，为空表示不限")
    )
    since = models.DateField(_("抵达日期起"), null=True, blank=True)
    starts_on = models.DateField(_("开始日期"))
    due_on = models.DateField(_("完成期限"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("发起人"),
    )
    closed = models.BooleanField(_("已结束"), default=False)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    objects = CampaignQuerySet.as_manager()

    audit_named = True  # the audit log names it where an entry refers to it

    class Meta:
        verbose_name = _("摸排行动")
        verbose_name_plural = _("摸排行动")
        ordering = ["-starts_on", "-id"]

    def __str__(self):
        return self.title
