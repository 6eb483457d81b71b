from .commodities import Commodity
from .markets import Market
from .reports import PriceLine, PriceReport

__all__ = ["Commodity", "Market", "PriceLine", "PriceReport"]
