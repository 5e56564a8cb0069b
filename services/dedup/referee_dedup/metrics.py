"""Dedup's business figures on /metrics, read from its own tables."""

from __future__ import annotations

from referee_shared.observability.metrics import GaugeQuery

GAUGES = (
    GaugeQuery(
        "referee_dedup_verdicts",
        "Verdicts given so far, by outcome and reason code.",
        "SELECT outcome, reason_code, COUNT(*) FROM verdict_log GROUP BY 1, 2",
        ("outcome", "reason"),
    ),
    GaugeQuery(
        "referee_dedup_open_reviews",
        "Possible duplicates and cross-region claims waiting for a reviewer.",
        "SELECT kind, COUNT(*) FROM reviews WHERE status = 'open' GROUP BY 1",
        ("kind",),
    ),
    GaugeQuery("referee_dedup_customers", "Customers in the index.", "SELECT COUNT(*) FROM customers"),
)
