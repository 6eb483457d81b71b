"""Local development and ``make demo``: embedded SQLite under var/, debug on."""

import os

os.environ.setdefault("FANGKONG_DEBUG", "1")

from .base import *  # noqa: F403
