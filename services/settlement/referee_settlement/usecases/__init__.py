"""What the settlement service does, written against ports: take in deals, rulings and payment reports."""

from __future__ import annotations

from .intake import CONSUMER, Settlement

__all__ = ["CONSUMER", "Settlement"]
