from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.models import ScopedModel
from fangkong.core.scoping import ScopedQuerySet

from .choices import AreaLevel

PATH_SEP = "/"


class AreaQuerySet(ScopedQuerySet):
    def in_area(self, area):
        return self.filter(path__startswith=area.path)

    def subtree(self, area):
        return self.filter(path__startswith=area.path)


class Area(ScopedModel):
    """行政区域/网格: one node of city › district › street › community › grid.

    ``path`` is the materialised path of codes (``510400/510411/510411001/``), so a subtree
    is one prefix query and every scoped table filters on it by sub-select.
    """

    scope_field = "pk"

    code = models.CharField(_("区划代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.PositiveSmallIntegerField(_("层级"), choices=AreaLevel.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("上级区域"),
    )
    path = models.CharField(_("路径"), max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(_("深度"), default=0, editable=False)
    name_search = models.CharField(max_length=200, blank=True, editable=False)

    objects = AreaQuerySet.as_manager()

    audit_named = True  # the audit log names it where an entry refers to it

    class Meta:
        verbose_name = _("区域")
        verbose_name_plural = _("区域")
        ordering = ["path"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.path = self.compute_path()
        self.depth = self.path.count(PATH_SEP) - 1
        super().save(*args, **kwargs)

    def compute_path(self) -> str:
        prefix = self.parent.path if self.parent_id else ""
        return f"{prefix}{self.code}{PATH_SEP}"

    def ancestors(self):
        codes = self.path.rstrip(PATH_SEP).split(PATH_SEP)[:-1]
        by_code = {a.code: a for a in Area.objects.filter(code__in=codes)}
        return [by_code[c] for c in codes if c in by_code]

    def full_name(self) -> str:
        return (
            "".join(a.name for a in self.ancestors() if a.level >= AreaLevel.DISTRICT) + self.name
        )

    @property
    def qualified_name(self) -> str:
        """A grid's name after its community's (老街社区第1网格), any other area's own name.

        第1网格 alone is in every community: an export read above the community (and imported
        back, see ``parsers.area_lookup``) must tell them apart. Select ``parent`` along."""
        if self.level == AreaLevel.GRID and self.parent_id:
            return self.parent.name + self.name
        return self.name

    def is_within(self, other: "Area") -> bool:
        return self.path.startswith(other.path)

    @property
    def is_grid(self) -> bool:
        return self.level == AreaLevel.GRID
