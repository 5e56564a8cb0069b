"""What the qualification service does, written against ports: gate registrations, take in submissions, revoke."""

from __future__ import annotations

from .qualifications import CONSUMER, Admission, NotFound, Qualifications

__all__ = ["CONSUMER", "Admission", "NotFound", "Qualifications"]
