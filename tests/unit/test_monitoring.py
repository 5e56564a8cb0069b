"""The dashboard and the alert rules speak of metrics the services really expose."""

from __future__ import annotations

import json
import re

import httpx
import yaml

from referee_registration.app import build_app
from referee_shared.settings import REPO_ROOT
from referee_shared.topics import LEADS_SUBMITTED

from ..builders import customer, envelope, submission
from .conftest import InMemorySystem

MONITORING = REPO_ROOT / "deploy" / "monitoring"
METRIC = re.compile(r"\breferee_[a-z_]+\b")


def referenced_metrics() -> set[str]:
    dashboard = json.loads((MONITORING / "grafana-dashboard.json").read_text())
    exprs = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    alerts = yaml.safe_load((MONITORING / "alerts.yaml").read_text())
    exprs += [rule["expr"] for group in alerts["groups"] for rule in group["rules"]]
    return {name for expr in exprs for name in METRIC.findall(expr)}


async def scrape(system: InMemorySystem) -> str:
    """Every service's business gauges sampled, then one scrape (the gauges share the process registry)."""
    for runtime in system.runtimes.values():
        await runtime.sample_gauges_now()
    app = build_app(system.runtimes["registration"], system.components["registration"])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://registration") as client:
        await client.get("/openapi.json")  # probes and scrapes are not counted; a real request is
        return (await client.get("/metrics")).text


async def test_every_metric_in_the_dashboard_and_the_alerts_is_exposed(system: InMemorySystem) -> None:
    lead = submission("dealer-hangzhou", who=customer())
    await system.publish(LEADS_SUBMITTED, envelope(lead), key=str(lead.lead_id))
    await system.publish_raw(LEADS_SUBMITTED, b"[]", key="poison")
    exposed = set(METRIC.findall(await scrape(system)))

    wanted = referenced_metrics()
    assert len(wanted) >= 12
    assert wanted <= exposed, f"not exposed by any service: {sorted(wanted - exposed)}"


def test_a_misspelt_metric_would_be_noticed() -> None:
    assert "referee_open_tasks" in referenced_metrics()
    assert "referee_open_taks" not in referenced_metrics()
