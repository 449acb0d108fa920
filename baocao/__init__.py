"""Trợ lý Báo cáo: shared core (settings, Vietnamese text normalisation)."""

__version__ = "0.1.0"
