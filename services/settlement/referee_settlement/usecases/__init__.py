"""What the settlement service does, written against ports: take in deals, rulings and payment reports."""

from __future__ import annotations

from .holders import LeadHolders
from .intake import CONSUMER, Settlement

__all__ = ["CONSUMER", "LeadHolders", "Settlement"]
