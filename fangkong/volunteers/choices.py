from django.db import models
from django.utils.translation import gettext_lazy as _


class Skill(models.TextChoices):
    """Skills a need can require. A fixed list, not a table: matching, filters, imports and
    the three languages all key on these values, and a new skill is a one-line change."""

    MEDICAL = "medical", _("医疗护理")
    DRIVING = "driving", _("驾驶")
    TRANSLATION = "translation", _("翻译")
    PSYCHOLOGICAL = "psychological", _("心理疏导")
    DISINFECTION = "disinfection", _("消杀")
    PUBLICITY = "publicity", _("宣传")
    DATA_ENTRY = "data_entry", _("信息录入")
    ORDER = "order", _("秩序维护")
    LOGISTICS = "logistics", _("物资搬运")


class Weekday(models.TextChoices):
    MON = "1", _("周一")
    TUE = "2", _("周二")
    WED = "3", _("周三")
    THU = "4", _("周四")
    FRI = "5", _("周五")
    SAT = "6", _("周六")
    SUN = "7", _("周日")


class TimeOfDay(models.TextChoices):
    """Parts of a day a volunteer can serve in (local time)."""

    NIGHT = "night", _("夜间(0-6时)")
    MORNING = "am", _("上午(6-12时)")
    AFTERNOON = "pm", _("下午(12-18时)")
    EVENING = "ev", _("晚上(18-24时)")


class HealthState(models.TextChoices):
    HEALTHY = "healthy", _("健康")
    OBSERVATION = "observation", _("健康监测中")
    UNFIT = "unfit", _("暂不宜上岗")


class PoolState(models.TextChoices):
    PENDING = "pending", _("待审核")
    RESERVE = "reserve", _("储备")
    ACTIVE = "active", _("在岗")
    SUSPENDED = "suspended", _("停用")
    REJECTED = "rejected", _("未通过")


class Source(models.TextChoices):
    SIGNUP = "signup", _("网上报名")
    STAFF = "staff", _("工作人员登记")
    IMPORT = "import", _("批量导入")


class NeedKind(models.TextChoices):
    CHECKPOINT = "checkpoint", _("卡点值守")
    SCREENING = "screening", _("入户排查")
    DELIVERY = "delivery", _("隔离户代购配送")
    DISINFECTION = "disinfection", _("环境消杀")
    PUBLICITY = "publicity", _("宣传引导")
    TESTING_ORDER = "testing_order", _("核酸检测秩序维护")
    PSYCHOLOGICAL = "psychological", _("心理疏导")
    OTHER = "other", _("其他")


class NeedState(models.TextChoices):
    OPEN = "open", _("招募中")
    CLOSED = "closed", _("已结束")


class AssignmentState(models.TextChoices):
    OFFERED = "offered", _("待确认")
    ACCEPTED = "accepted", _("已接受")
    DECLINED = "declined", _("已拒绝")
    CANCELLED = "cancelled", _("已取消")


class TeamKind(models.TextChoices):
    COMMANDO = "commando", _("突击队")
    PARTY_BRANCH = "party_branch", _("临时党支部")
    SERVICE_TEAM = "service_team", _("志愿服务队")
