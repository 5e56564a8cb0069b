"""The producer registry: every system allowed to write messages, its public keys, its topics and partners.

Stored as one JSON document (``producers.json`` in the trust folder, or a mounted secret in production):

    {"producers": {"erp": {"description": "...", "keys": ["<base64 Ed25519 public key>", ...],
                           "topics": ["deals.closed"], "partners": ["*"]}}}

``keys`` holds more than one key while a key is being rotated. ``partners`` names the partners the producer
may speak for; ``"*"`` is every partner (the manufacturer's own portal gateway); services speak for none.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from .keys import key_id, public_from_text, public_text

ANY_PARTNER = "*"
HQ_PARTY = "hq"
"""HQ acting on its own motion (a dispute opened by HQ): only a producer that names it explicitly speaks for it."""


@dataclass(frozen=True)
class Producer:
    producer_id: str
    keys: tuple[Ed25519PublicKey, ...]
    topics: frozenset[str]
    partners: frozenset[str]
    description: str = ""

    def __post_init__(self) -> None:
        # Looked up for every message received: the ids are computed once, not per message.
        object.__setattr__(self, "_by_id", {key_id(k): k for k in self.keys})

    def key(self, wanted_id: str) -> Ed25519PublicKey | None:
        by_id: dict[str, Ed25519PublicKey] = getattr(self, "_by_id")  # noqa: B009
        return by_id.get(wanted_id)

    def may_write(self, topic_name: str) -> bool:
        return topic_name in self.topics

    def may_speak_for(self, partner_id: str) -> bool:
        if partner_id == HQ_PARTY:
            return HQ_PARTY in self.partners
        return ANY_PARTNER in self.partners or partner_id in self.partners


class RegistryError(Exception):
    """The registry file is missing or malformed; the message says how to create or fix it."""


class ProducerRegistry:
    def __init__(self, producers: Iterable[Producer]) -> None:
        self._producers = {p.producer_id: p for p in producers}

    def get(self, producer_id: str) -> Producer | None:
        return self._producers.get(producer_id)

    def __iter__(self) -> Iterator[Producer]:
        return iter(sorted(self._producers.values(), key=lambda p: p.producer_id))

    def with_producer(self, producer: Producer) -> ProducerRegistry:
        """A copy where ``producer`` replaces any entry of the same id."""
        return ProducerRegistry(
            [*(p for p in self._producers.values() if p.producer_id != producer.producer_id), producer]
        )

    @classmethod
    def load(cls, path: Path) -> ProducerRegistry:
        if not path.exists():
            raise RegistryError(f"no producer registry at {path}: run `referee trust init` (local) or mount one")
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            return cls(
                Producer(
                    producer_id=name,
                    keys=tuple(public_from_text(k) for k in entry["keys"]),
                    topics=frozenset(entry["topics"]),
                    partners=frozenset(entry.get("partners", [])),
                    description=entry.get("description", ""),
                )
                for name, entry in document["producers"].items()
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise RegistryError(f"producer registry {path} is malformed: {exc!r}") from exc

    def save(self, path: Path) -> None:
        document = {
            "producers": {
                p.producer_id: {
                    "description": p.description,
                    "keys": [public_text(k) for k in p.keys],
                    "topics": sorted(p.topics),
                    "partners": sorted(p.partners),
                }
                for p in self
            }
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
