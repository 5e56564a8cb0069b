"""Task titles for the reader: the services write their titles in English for operators and logs; the
Chinese inbox says the same from the task's kind, level and details, through the catalogue."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .labels import N_, TASK_KINDS

Translate = Callable[..., str]

EXTENSION = N_("Extension request: %(days)s more days")
DISPUTE_REGIONAL = N_("Regional review of a dispute")
DISPUTE_HQ = N_("HQ arbitration of a dispute")
SETTLEMENT = N_("Approve the settlement of deal %(deal)s")


def task_title(task: Mapping[str, Any], translate: Translate, language: str) -> str:
    """The service's own title in English; in Chinese, one built from what the task is."""
    if language == "en":
        return str(task.get("title") or task.get("kind", ""))
    kind, details = task.get("kind"), task.get("details") or {}
    if kind == "lock_extension" and details.get("days"):
        return translate(EXTENSION, days=details["days"])
    if kind == "dispute_review":
        return translate(DISPUTE_HQ if int(task.get("level") or 1) > 1 else DISPUTE_REGIONAL)
    if kind == "settlement_approval" and details.get("deal_id"):
        return translate(SETTLEMENT, deal=details["deal_id"])
    return translate(TASK_KINDS.get(str(kind), str(kind)))
