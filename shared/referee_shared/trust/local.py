"""A trust folder for one install: a key per service and per external system, and the registry naming them.

Local and development installs generate it into the data folder (``referee trust init``); it is never
committed. Tests generate their own. Production mounts each service's key and the registry as secrets.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..events.envelope import Envelope
from ..settings import ServiceSettings
from ..topics import ALL_TOPICS, CONSUMER_GROUPS, ERP, FINANCE, PORTALS
from .keys import new_private_key, read_private_key, write_private_key
from .registry import ANY_PARTNER, HQ_PARTY, Producer, ProducerRegistry, RegistryError
from .signing import MessageVerifier, Signer

REGISTRY_FILE = "producers.json"
KEYS_FOLDER = "keys"


@dataclass(frozen=True)
class ExternalSystem:
    producer_id: str
    label: str
    """the name topics.py gives this kind of writer"""
    description: str
    partners: tuple[str, ...]


# The external systems of a standard install. The manufacturer's portal gateway relays every partner's
# portal, so it may speak for any partner; a partner's own portal is added with only its partners.
EXTERNAL_SYSTEMS = (
    ExternalSystem("partner-portal", PORTALS, "the manufacturer's partner portal gateway", (ANY_PARTNER,)),
    ExternalSystem("erp", ERP, "the manufacturer's ERP (closes and reverses deals)", ()),
    ExternalSystem("finance", FINANCE, "the finance system (reports payments)", ()),
    ExternalSystem("hq", "HQ", "headquarters' tools (opens disputes on its own motion)", (HQ_PARTY,)),
)


# Registration and qualification take registrations, activities and certificates over HTTP from partners
# they authenticated by token, and put them on the input topics in their name; no other service speaks
# for a partner.
SERVICE_PARTNERS: dict[str, tuple[str, ...]] = {"registration": (ANY_PARTNER,), "qualification": (ANY_PARTNER,)}


def topics_written_by(label: str) -> frozenset[str]:
    """The topics the contract (topics.py) lets this writer produce."""
    return frozenset(t.name for t in ALL_TOPICS if label in t.producers)


def registry_path(trust_dir: Path) -> Path:
    return trust_dir / REGISTRY_FILE


def key_path(trust_dir: Path, producer_id: str) -> Path:
    return trust_dir / KEYS_FOLDER / f"{producer_id}.pem"


def init_trust_dir(trust_dir: Path) -> list[str]:
    """Create whatever keys and registry entries are missing; returns the producers it created keys for.

    Existing keys are kept, so running it again (every ``make demo``) changes nothing.
    """
    created: list[str] = []
    writers = [(s, s, "the " + s + " service", SERVICE_PARTNERS.get(s, ())) for s in CONSUMER_GROUPS] + [
        (e.producer_id, e.label, e.description, e.partners) for e in EXTERNAL_SYSTEMS
    ]
    producers = []
    for producer_id, label, description, partners in writers:
        path = key_path(trust_dir, producer_id)
        if not path.exists():
            write_private_key(new_private_key(), path)
            created.append(producer_id)
        producers.append(
            Producer(
                producer_id=producer_id,
                keys=(read_private_key(path).public_key(),),
                topics=topics_written_by(label),
                partners=frozenset(partners),
                description=description,
            )
        )
    path = registry_path(trust_dir)
    registry = ProducerRegistry.load(path) if path.exists() else ProducerRegistry([])
    for producer in producers:
        known = registry.get(producer.producer_id)
        if known is None or producer.producer_id in created:
            registry = registry.with_producer(producer)  # what an operator changed in an entry stays
        elif producer.producer_id in CONSUMER_GROUPS and not producer.topics <= known.topics:
            # A service's topics are the contract's: a topic added since (evidence.checkpoints) is added here.
            registry = registry.with_producer(replace(known, topics=known.topics | producer.topics))
    registry.save(path)
    return created


def signer_for(trust_dir: Path, producer_id: str) -> Signer:
    return Signer(producer_id, read_private_key(key_path(trust_dir, producer_id)))


def service_trust(settings: ServiceSettings) -> tuple[Signer | None, MessageVerifier | None]:
    """A service's signer and its consumers' verifier, or neither when message trust is off."""
    if not settings.message_trust:
        return None, None
    trust_dir = settings.resolved_trust_dir()
    registry = ProducerRegistry.load(registry_path(trust_dir))
    if not key_path(trust_dir, settings.service_name).exists():
        raise RegistryError(f"no key for {settings.service_name} in {trust_dir}: run `referee trust init` or mount it")
    return signer_for(trust_dir, settings.service_name), MessageVerifier(registry)


def signed_as_producer(trust_dir: Path, envelope: Envelope[Any]) -> Envelope[Any]:
    """The envelope signed with its producer's key from this trust folder (for the demo and tests, which play
    the outside systems); unchanged when the folder holds no key for that producer."""
    if not key_path(trust_dir, envelope.producer).exists():
        return envelope
    return signer_for(trust_dir, envelope.producer).sign(envelope)
