"""Registration's business figures on /metrics, read from its own tables."""

from __future__ import annotations

from referee_shared.observability.metrics import GaugeQuery

GAUGES = (
    GaugeQuery(
        "referee_lead_decisions",
        "Leads decided so far, by outcome (accepted, rejected, held) and reason code.",
        "SELECT CASE WHEN status IN ('rejected', 'held') THEN status ELSE 'accepted' END, COALESCE(reason_code, ''),"
        " COUNT(*) FROM leads WHERE decided_at IS NOT NULL GROUP BY 1, 2",
        ("outcome", "reason"),
    ),
    GaugeQuery(
        "referee_leads", "Leads by lifecycle stage.", "SELECT status, COUNT(*) FROM leads GROUP BY 1", ("stage",)
    ),
    GaugeQuery("referee_open_locks", "Locks in force.", "SELECT COUNT(*) FROM locks WHERE status = 'active'"),
    GaugeQuery(
        "referee_open_tasks",
        "Reviewer tasks open in the inbox, by kind and whether their deadline has passed.",
        "SELECT kind, CASE WHEN due_at < :now THEN 'yes' ELSE 'no' END, COUNT(*) FROM inbox_tasks"
        " WHERE status = 'open' GROUP BY 1, 2",
        ("kind", "overdue"),
    ),
)
