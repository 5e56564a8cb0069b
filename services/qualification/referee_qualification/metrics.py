"""Qualification's business figures on /metrics, read from its own tables."""

from __future__ import annotations

from referee_shared.observability.metrics import GaugeQuery

GAUGES = (
    GaugeQuery(
        "referee_qualifications",
        "Qualifications by status.",
        "SELECT status, COUNT(*) FROM qualifications GROUP BY 1",
        ("status",),
    ),
    GaugeQuery(
        "referee_qualification_reviews_overdue",
        "Qualification reviews whose deadline has passed.",
        "SELECT COUNT(*) FROM qualifications WHERE status = 'pending' AND review_due_at < :now",
    ),
)
