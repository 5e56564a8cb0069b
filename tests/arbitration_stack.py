"""The real stack for arbitration's integration tests: registration's and dedup's HTTP APIs served on
real ports, so arbitration fetches evidence bundles and verdicts over HTTP exactly as in production;
optionally every service on a Temporal server of the test's choosing (the time-skipping one)."""

from __future__ import annotations

import asyncio
import importlib
import socket
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID, uuid4

import httpx
import uvicorn
from fastapi import FastAPI

from referee_shared.auth import Role
from referee_shared.events.disputes import DisputeProgressed, DisputeStep
from referee_shared.events.leads import ActivityKind, LeadActivity, LeadSubmitted
from referee_shared.runtime import ServiceRuntime
from referee_shared.settings import ServiceSettings
from referee_shared.topics import DISPUTES_EVENTS, LEADS_ACTIVITIES, LEADS_DECISIONS, LEADS_SUBMITTED

from .arbitration_builders import claimants_copy
from .builders import envelope
from .stack import Stack, new_prefix

SERVICES = ("registration", "dedup", "qualification", "arbitration", "settlement")
SERVED = ("registration", "dedup")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class CourtStack(Stack):
    """A Stack whose arbitration reads registration and dedup over real HTTP ports."""

    ports: dict[str, int] = field(default_factory=lambda: {service: free_port() for service in SERVED})
    temporal_address: str | None = None
    servers: list[tuple[uvicorn.Server, asyncio.Task[None]]] = field(default_factory=list)

    def settings(self, service: str, instance: int = 1, **overrides: Any) -> ServiceSettings:
        extra: dict[str, Any] = {}
        if service == "arbitration":
            extra["registration_url"] = f"http://127.0.0.1:{self.ports['registration']}"
            extra["dedup_url"] = f"http://127.0.0.1:{self.ports['dedup']}"
        settings = super().settings(service, instance, **{**extra, **overrides})
        if self.temporal_address:
            settings = settings.model_copy(update={"temporal_address": self.temporal_address})
        return settings

    async def start(self) -> None:
        await super().start()
        for service in SERVED:
            server = uvicorn.Server(
                uvicorn.Config(
                    _http_app(service, self.runtimes[service][0], self.services[service][0]),
                    host="127.0.0.1",
                    port=self.ports[service],
                    lifespan="off",  # the stack already started the runtime behind the app
                    log_config=None,
                    access_log=False,
                )
            )
            self.servers.append((server, asyncio.create_task(server.serve())))
            for _ in range(500):
                if server.started:
                    break
                await asyncio.sleep(0.02)

    async def stop(self) -> None:
        for server, task in self.servers:
            server.should_exit = True
            await task
        await super().stop()

    async def register(self, lead: LeadSubmitted) -> Any:
        """Publish a registration and wait for its decision."""
        await self.publish(LEADS_SUBMITTED, envelope(lead), key=str(lead.lead_id))
        [decision] = await self.events(LEADS_DECISIONS, lambda e: e.payload.lead_id == lead.lead_id)
        return decision.payload

    async def follow_up(self, lead: LeadSubmitted, kind: ActivityKind, summary: str) -> LeadActivity:
        activity = LeadActivity(
            activity_id=uuid4(),
            lead_id=lead.lead_id,
            partner_id=lead.partner_id,
            kind=kind,
            summary=summary,
        )
        await self.publish(LEADS_ACTIVITIES, envelope(activity), key=str(lead.lead_id))
        return activity

    async def trail_of(self, lead_id: UUID, *, records: int, timeout: float = 30) -> dict[str, Any]:
        """Registration's evidence bundle for a lead, once it holds at least ``records`` records."""
        async with self.http("registration", self.token(Role.ARBITER, "hq-test")) as hq:
            for _ in range(int(timeout / 0.1)):
                answer = await hq.get(f"/evidence/leads/{lead_id}")
                if answer.status_code == httpx.codes.OK and len(answer.json()["records"]) >= records:
                    return dict(answer.json())
                await asyncio.sleep(0.1)
        raise AssertionError(f"the trail of lead {lead_id} never reached {records} records")

    async def steps(self, dispute_id: UUID, count: int, timeout: float = 30) -> list[DisputeProgressed]:
        found = await self.events(
            DISPUTES_EVENTS,
            lambda e: e.payload.dispute_id == dispute_id and not claimants_copy(e.payload),
            count=count,
            timeout=timeout,
        )
        return [e.payload for e in found]

    async def step(self, dispute_id: UUID, step: DisputeStep, timeout: float = 30) -> DisputeProgressed:
        [found] = await self.events(
            DISPUTES_EVENTS,
            lambda e: e.payload.dispute_id == dispute_id and e.payload.step is step and not claimants_copy(e.payload),
            timeout=timeout,
        )
        return found.payload  # type: ignore[no-any-return]


def court_stack(label: str, temporal_address: str | None = None) -> CourtStack:
    return CourtStack(new_prefix(label), dict.fromkeys(SERVICES, 1), temporal_address=temporal_address)


def _http_app(service: str, runtime: ServiceRuntime, components: Any) -> FastAPI:
    """The service's HTTP app around the runtime the stack already runs."""
    module = importlib.import_module(f"referee_{service}.app")
    app: FastAPI = module.build_app(runtime, components)
    return app
