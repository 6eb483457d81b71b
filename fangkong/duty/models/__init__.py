from .groups import WorkingGroup
from .handovers import Handover, HandoverItem
from .notices import Notice, NoticeReceipt
from .shifts import Shift

__all__ = ["Handover", "HandoverItem", "Notice", "NoticeReceipt", "Shift", "WorkingGroup"]
