"""``referee evidence``: verify the tamper-evident trail and print a customer's or lead's evidence bundle.

It reads registration's database directly, so an operator can check the trail even with the service down.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar
from uuid import UUID

import typer
from aiokafka.errors import KafkaError

from referee_registration.domain.evidence import Anchor
from referee_registration.settings import RegistrationSettings
from referee_registration.store import messaging
from referee_registration.usecases.locks import LeadNotFound
from referee_registration.views.evidence import EvidenceQueries, TrailNotFound
from referee_registration.views.evidence_text import render_bundle, render_verification
from referee_shared.clock import SystemClock
from referee_shared.db.engine import make_engine, make_sessions
from referee_shared.kafka.checkpoints import read_checkpoints
from referee_shared.kafka.security import client_options
from referee_shared.outbox import Transactions
from referee_shared.trust.local import registry_path
from referee_shared.trust.registry import ProducerRegistry

app = typer.Typer(help="The evidence trail: verify chains, print bundles.", no_args_is_help=True)

DatabaseOption = Annotated[
    str | None,
    typer.Option(help="registration's SQLAlchemy async URL (default: from REFEREE_* settings)"),
]
CustomerOption = Annotated[str | None, typer.Option(help="a customer key (dedup's identity)")]
LeadOption = Annotated[UUID | None, typer.Option(help="a lead id: its customer's chain")]

T = TypeVar("T")


@app.command("verify")
def verify(
    customer: CustomerOption = None,
    lead: LeadOption = None,
    database_url: DatabaseOption = None,
    checkpoints: Annotated[
        bool,
        typer.Option(
            "--checkpoints/--no-checkpoints",
            help="also compare each chain with the signed heads on evidence.checkpoints (read from Kafka)",
        ),
    ] = True,
) -> None:
    """Check one chain (--customer or --lead) or all; exit 1 naming each altered, reordered, removed or rewritten
    record (a rewrite with recomputed hashes is found against the signed checkpoints); exit 3 if the checkpoints
    cannot be read."""
    anchors = _anchors() if checkpoints else None

    async def check(evidence: EvidenceQueries) -> bool:
        if anchors is not None:
            chains = None
            if customer is not None:
                chains = [customer]
            elif lead is not None:
                chains = [await evidence.chain_of_lead(lead)]
            results = await evidence.verify_anchored(anchors, chains)
        elif customer is not None:
            results = [await evidence.verify_customer(customer)]
        elif lead is not None:
            results = [await evidence.verify_lead(lead)]
        else:
            results = await evidence.verify_all()
        for result in results:
            typer.echo(render_verification(result))
        typer.echo(f"{len(results)} chain(s) checked, {sum(not r.intact for r in results)} tampered")
        return all(r.intact for r in results)

    if not _run(database_url, check):
        raise typer.Exit(1)


def _anchors() -> dict[str, list[Anchor]]:
    """Every signed chain head on evidence.checkpoints; refused ones (bad signature, another producer) are named."""
    settings = RegistrationSettings()
    registry_file = registry_path(settings.resolved_trust_dir())
    registry = ProducerRegistry.load(registry_file) if registry_file.exists() else None
    if registry is None:
        typer.echo(f"checkpoint signatures NOT checked: no producer registry at {registry_file}", err=True)
    try:
        found = asyncio.run(
            read_checkpoints(
                settings.kafka_bootstrap, settings.topic_prefix, registry, client_options=client_options(settings)
            )
        )
    except (KafkaError, OSError) as exc:
        typer.echo(f"cannot read evidence.checkpoints from {settings.kafka_bootstrap}: {exc!r}", err=True)
        typer.echo("run again when Kafka is reachable, or with --no-checkpoints (unanchored)", err=True)
        raise typer.Exit(3) from exc
    for reason in found.refused:
        typer.echo(f"checkpoint refused: {reason}", err=True)
    return {chain: [Anchor(c.seq, c.hash, c.at) for c in checkpoints] for chain, checkpoints in found.by_chain.items()}


@app.command("show")
def show(
    customer: CustomerOption = None,
    lead: LeadOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="the JSON bundle instead of the readable rendering")] = False,
    database_url: DatabaseOption = None,
) -> None:
    """Print the whole evidence bundle of a customer or a lead."""
    if customer is None and lead is None:
        raise typer.BadParameter("name a --customer or a --lead")

    async def bundle(evidence: EvidenceQueries) -> str:
        if customer is not None:
            found = await evidence.for_customer(customer)
        else:
            assert lead is not None
            found = await evidence.for_lead(lead)
        return found.model_dump_json(indent=2) if as_json else render_bundle(found)

    typer.echo(_run(database_url, bundle))


def _run(database_url: str | None, work: Callable[[EvidenceQueries], Awaitable[T]]) -> T:
    async def main() -> T:
        engine = make_engine(database_url or RegistrationSettings().resolved_database_url())
        transactions = Transactions(
            make_sessions(engine), messaging, producer="referee-cli", topic_prefix="", clock=SystemClock()
        )
        try:
            return await work(EvidenceQueries(transactions))
        except (TrailNotFound, LeadNotFound) as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(2) from exc
        finally:
            await engine.dispose()

    return asyncio.run(main())
