from .outings import OutingApproval
from .scans import Scan, ScanAreaDayCount, ScanDayCount
from .venues import Venue

__all__ = ["OutingApproval", "Scan", "ScanAreaDayCount", "ScanDayCount", "Venue"]
