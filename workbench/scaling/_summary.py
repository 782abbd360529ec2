"""Deprecated location of :class:`workbench._results.Summary` (kept for imports)."""

from workbench._results import Summary

__all__ = ["Summary"]
