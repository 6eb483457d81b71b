from .donations import Donation
from .funds import Fund, FundEntry
from .items import Item
from .ledger import Lot, Movement
from .requests import Allocation, SupplyRequest
from .warehouses import Warehouse

__all__ = [
    "Allocation",
    "Donation",
    "Fund",
    "FundEntry",
    "Item",
    "Lot",
    "Movement",
    "SupplyRequest",
    "Warehouse",
]
