"""``referee trust``: producer keys and the producer registry (who may write which topics, for which partners)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from referee_shared.settings import ServiceSettings
from referee_shared.topics import ALL_TOPICS
from referee_shared.trust.keys import key_id, new_private_key, public_from_text, read_private_key, write_private_key
from referee_shared.trust.local import init_trust_dir, key_path, registry_path
from referee_shared.trust.registry import Producer, ProducerRegistry, RegistryError

app = typer.Typer(help="Producer keys and the producer registry.", no_args_is_help=True)

TOPIC_NAMES = {t.name for t in ALL_TOPICS}


def _trust_dir() -> Path:
    return ServiceSettings().resolved_trust_dir()


def _registry() -> ProducerRegistry:
    try:
        return ProducerRegistry.load(registry_path(_trust_dir()))
    except RegistryError as exc:
        raise typer.BadParameter(str(exc)) from exc


@app.command("init")
def init() -> None:
    """Create this install's keys (one per service and external system) and the registry; keeps existing ones."""
    created = init_trust_dir(_trust_dir())
    typer.echo(f"trust folder {_trust_dir()}: " + (f"new keys for {', '.join(created)}" if created else "up to date"))


@app.command("list")
def list_producers() -> None:
    """Every registered producer with its key ids, topics and partners."""
    for producer in _registry():
        keys = ", ".join(key_id(k) for k in producer.keys)
        partners = ", ".join(sorted(producer.partners)) or "-"
        typer.echo(
            f"{producer.producer_id:<24} keys {keys}  partners {partners}  topics {', '.join(sorted(producer.topics))}"
        )


@app.command("add-producer")
def add_producer(
    producer_id: Annotated[str, typer.Argument(help="e.g. portal-hangzhou-tiles")],
    topic: Annotated[list[str], typer.Option(help="an input topic it may write (repeatable)")],
    partner: Annotated[list[str] | None, typer.Option(help="a partner it may speak for (repeatable); * = any")] = None,
    public_key: Annotated[
        str | None, typer.Option(help="its base64 Ed25519 public key; omitted = generate a pair")
    ] = None,
    description: Annotated[str, typer.Option(help="who runs it")] = "",
) -> None:
    """Register an external system (a partner's portal...). Without --public-key a key pair is generated and the
    private key written to the trust folder's keys/, to be handed to the system's operator over a safe channel."""
    unknown = [t for t in topic if t not in TOPIC_NAMES]
    if unknown:
        raise typer.BadParameter(f"unknown topics {unknown}; see docs/topics.md")
    registry = _registry()
    if registry.get(producer_id) is not None:
        raise typer.BadParameter(f"{producer_id} is registered already; use `referee trust rotate` for a new key")
    if public_key is None:
        private = new_private_key()
        path = key_path(_trust_dir(), producer_id)
        write_private_key(private, path)
        typer.echo(f"private key written to {path}")
        key = private.public_key()
    else:
        key = public_from_text(public_key)
    producer = Producer(producer_id, (key,), frozenset(topic), frozenset(partner or ()), description)
    registry.with_producer(producer).save(registry_path(_trust_dir()))
    typer.echo(f"{producer_id} registered with key {key_id(key)}; restart the services (or roll them) to load it")


@app.command("rotate")
def rotate(producer_id: Annotated[str, typer.Argument()]) -> None:
    """Add a new key for a producer next to its current one; both verify until `referee trust retire`."""
    registry = _registry()
    producer = registry.get(producer_id)
    if producer is None:
        raise typer.BadParameter(f"no producer {producer_id}")
    path = key_path(_trust_dir(), producer_id)
    if path.exists():
        path.rename(path.with_suffix(f".{key_id(read_private_key(path).public_key()).replace('/', '_')}.old"))
    private = new_private_key()
    write_private_key(private, path)
    updated = Producer(
        producer_id, (*producer.keys, private.public_key()), producer.topics, producer.partners, producer.description
    )
    registry.with_producer(updated).save(registry_path(_trust_dir()))
    typer.echo(
        f"new key {key_id(private.public_key())} for {producer_id} at {path}; retire the old one once every "
        "consumer has reloaded the registry and the producer signs with the new key"
    )


@app.command("retire")
def retire(producer_id: Annotated[str, typer.Argument()], key: Annotated[str, typer.Argument(help="key id")]) -> None:
    """Stop accepting one of a producer's keys."""
    registry = _registry()
    producer = registry.get(producer_id)
    if producer is None or producer.key(key) is None:
        raise typer.BadParameter(f"{producer_id} has no key {key}")
    kept = tuple(k for k in producer.keys if key_id(k) != key)
    if not kept:
        raise typer.BadParameter("a producer keeps at least one key; remove the producer from the registry instead")
    registry.with_producer(Producer(producer_id, kept, producer.topics, producer.partners, producer.description)).save(
        registry_path(_trust_dir())
    )
    typer.echo(f"{producer_id} no longer signs with {key}")
