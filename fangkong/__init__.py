"""Fangkong (防控): epidemic prevention and control, and the resumption of work."""

__version__ = "0.1.0"
