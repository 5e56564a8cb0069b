"""Settlement's business figures on /metrics, read from its own tables."""

from __future__ import annotations

from referee_shared.observability.metrics import GaugeQuery

GAUGES = (
    GaugeQuery(
        "referee_statements", "Statements by status.", "SELECT status, COUNT(*) FROM statements GROUP BY 1", ("status",)
    ),
    GaugeQuery(
        "referee_statement_lines",
        "Statement lines by payment status.",
        "SELECT status, COUNT(*) FROM statement_lines GROUP BY 1",
        ("status",),
    ),
    GaugeQuery(
        "referee_settlement_approvals_overdue",
        "Statements waiting for finance's approval past their deadline.",
        "SELECT COUNT(*) FROM approval_tasks WHERE status = 'open' AND due_at < :now",
    ),
)
