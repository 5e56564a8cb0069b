"""What dedup does."""

from .reviews import Dedup

__all__ = ["Dedup"]
