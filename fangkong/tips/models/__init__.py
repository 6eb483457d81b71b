from .rewards import Reward
from .tips import Tip, TipPhoto

__all__ = ["Reward", "Tip", "TipPhoto"]
