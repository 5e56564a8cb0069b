"""``referee infra``: the project's own topics."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from aiokafka import AIOKafkaConsumer, TopicPartition

from referee_shared.kafka.access import plan_text
from referee_shared.kafka.admin import create_topics
from referee_shared.kafka.deadletter import DeadLetter
from referee_shared.kafka.security import client_options
from referee_shared.settings import ServiceSettings
from referee_shared.topics import CONSUMER_GROUPS, all_topics_with_dead_letters, dead_letter_topic

app = typer.Typer(help="Kafka topics and other infrastructure the services need.", no_args_is_help=True)
topics_app = typer.Typer(help="The project's Kafka topics.", no_args_is_help=True)
app.add_typer(topics_app, name="topics")
access_app = typer.Typer(help="Kafka principals and ACLs (REFEREE_KAFKA_AUTH=scram).", no_args_is_help=True)
app.add_typer(access_app, name="kafka-access")


@access_app.command("plan")
def access_plan_command(
    test_stacks: bool = typer.Option(
        False, "--test-stacks", help="also let the test suite's stacks (topics it-*) run here (development brokers)"
    ),
) -> None:
    """Print the SCRAM users and ACLs for deploy/kafka/KafkaAccess.java; creates missing passwords in
    $REFEREE_DATA_DIR/secrets/kafka/ (one file per principal, mode 0600)."""
    settings = ServiceSettings()
    typer.echo(plan_text(settings.topic_prefix, settings.data_dir, test_stacks=test_stacks), nl=False)


@topics_app.command("create")
def create() -> None:
    """Create every topic of the registry (and each consumer's dead-letter topic) that is missing."""
    settings = ServiceSettings()
    created = asyncio.run(
        create_topics(
            settings.kafka_bootstrap,
            settings.topic_prefix,
            replication_factor=settings.kafka_replication_factor,
            client=client_options(settings),
        )
    )
    total = len(all_topics_with_dead_letters())
    typer.echo(f"topics: {len(created)} created, {total - len(created)} already there")


@topics_app.command("list")
def list_topics() -> None:
    """Print the registry: name, partitions, key and what each topic carries."""
    for topic in all_topics_with_dead_letters():
        kinds = ", ".join(p.event_type for p in topic.payloads) or "dead letters"
        typer.echo(f"{topic.name:28} {topic.partitions:3}  key={topic.key:20} {kinds}")


@app.command("deadletters")
def deadletters(
    service: Annotated[str, typer.Argument(help=f"one of: {', '.join(CONSUMER_GROUPS)}")],
    last: Annotated[int, typer.Option(help="how many of the newest records to show")] = 20,
) -> None:
    """Show the newest dead letters of a service: where each message came from and why it failed."""
    if service not in CONSUMER_GROUPS:
        raise typer.BadParameter(f"unknown service {service!r}; one of {', '.join(CONSUMER_GROUPS)}")
    settings = ServiceSettings()
    letters = asyncio.run(_newest(settings, dead_letter_topic(service).full_name(settings.topic_prefix), last))
    for letter in letters:
        typer.echo(f"{letter.failed_at:%Y-%m-%d %H:%M:%S} {letter.source_topic}[{letter.partition}]@{letter.offset}")
        typer.echo(f"    reason: {letter.reason}")
        typer.echo(f"    value:  {(letter.value_text or letter.value_base64 or '')[:300]}")
    typer.echo(f"{len(letters)} dead letter(s)")


async def _newest(settings: ServiceSettings, topic: str, last: int) -> list[DeadLetter]:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap, enable_auto_commit=False, **client_options(settings)
    )
    await consumer.start()
    try:
        await consumer._client.force_metadata_update()
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        if not partitions:
            raise typer.BadParameter(f"topic {topic} does not exist")
        consumer.assign(partitions)
        ends = await consumer.end_offsets(partitions)
        for partition in partitions:
            consumer.seek(partition, max(0, ends[partition] - last))
        letters: list[DeadLetter] = []
        while [p for p in partitions if await consumer.position(p) < ends[p]]:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                letters.extend(DeadLetter.model_validate_json(r.value) for r in records)
        return sorted(letters, key=lambda letter: letter.failed_at)[-last:]
    finally:
        await consumer.stop()
