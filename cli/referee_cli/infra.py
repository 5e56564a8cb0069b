"""``referee infra``: the project's own topics."""

from __future__ import annotations

import asyncio

import typer

from referee_shared.kafka.admin import create_topics
from referee_shared.settings import ServiceSettings
from referee_shared.topics import all_topics_with_dead_letters

app = typer.Typer(help="Kafka topics and other infrastructure the services need.", no_args_is_help=True)
topics_app = typer.Typer(help="The project's Kafka topics.", no_args_is_help=True)
app.add_typer(topics_app, name="topics")


@topics_app.command("create")
def create() -> None:
    """Create every topic of the registry (and each consumer's dead-letter topic) that is missing."""
    settings = ServiceSettings()
    created = asyncio.run(create_topics(settings.kafka_bootstrap, settings.topic_prefix))
    total = len(all_topics_with_dead_letters())
    typer.echo(f"topics: {len(created)} created, {total - len(created)} already there")


@topics_app.command("list")
def list_topics() -> None:
    """Print the registry: name, partitions, key and what each topic carries."""
    for topic in all_topics_with_dead_letters():
        kinds = ", ".join(p.event_type for p in topic.payloads) or "dead letters"
        typer.echo(f"{topic.name:28} {topic.partitions:3}  key={topic.key:20} {kinds}")
