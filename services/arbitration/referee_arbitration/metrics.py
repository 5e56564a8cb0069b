"""Arbitration's business figures on /metrics, read from its own tables."""

from __future__ import annotations

from referee_shared.observability.metrics import GaugeQuery

OPEN = "('first_level', 'hq_review', 'ruled')"

GAUGES = (
    GaugeQuery(
        "referee_disputes", "Disputes by status.", "SELECT status, COUNT(*) FROM disputes GROUP BY 1", ("status",)
    ),
    GaugeQuery(
        "referee_disputes_overdue",
        "Open disputes whose current deadline has passed.",
        f"SELECT COUNT(*) FROM disputes WHERE status IN {OPEN} AND due_at < :now",
    ),
    GaugeQuery(
        "referee_disputes_evidence_broken",
        "Open disputes whose evidence chain failed verification (someone altered the trail).",
        f"SELECT COUNT(*) FROM disputes WHERE status IN {OPEN} AND evidence_intact = false",
    ),
)
