"""Signing envelopes as a producer, and checking a received envelope's producer, signature and claims."""

from __future__ import annotations

import base64
import json
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ..events.catalog import UndecodableMessage
from ..events.envelope import Envelope
from ..topics import Topic
from .canonical import SIGNATURE_FIELD, canonical_bytes
from .keys import key_id
from .registry import HQ_PARTY, ProducerRegistry

UNKNOWN_PRODUCER = "unknown_producer"
BAD_SIGNATURE = "bad_signature"
MAY_NOT_WRITE = "may_not_write"
MAY_NOT_SPEAK_FOR = "may_not_speak_for"


class Signer:
    """Signs what one producer emits; the signature is ``<key id>.<base64 signature>``."""

    def __init__(self, producer_id: str, key: Ed25519PrivateKey) -> None:
        self.producer_id = producer_id
        self._key = key
        self._key_id = key_id(key.public_key())

    def signature(self, document: dict[str, Any]) -> str:
        raw = self._key.sign(canonical_bytes(document))
        return f"{self._key_id}.{base64.b64encode(raw).decode()}"

    def sign(self, envelope: Envelope[Any]) -> Envelope[Any]:
        """The envelope with its signature; its producer must be this signer's."""
        if envelope.producer != self.producer_id:
            raise ValueError(f"{self.producer_id} cannot sign an envelope produced by {envelope.producer}")
        document = envelope.model_dump(mode="json")
        return envelope.model_copy(update={SIGNATURE_FIELD: self.signature(document)})


class Refused(UndecodableMessage):
    """A message whose sender is not established or who may not say it; ``code`` names why.

    To a consumer it is as unusable as a message it cannot decode: dead-lettered with the reason.
    """

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}", code)


def spoken_for(payload: Any) -> str | None:
    """The partner a message speaks for, when it is one partner's say (a registration, activity, claim)."""
    if getattr(payload, "opened_by", None) == HQ_PARTY:
        return HQ_PARTY
    for name in ("partner_id", "claimant_id"):
        value = getattr(payload, name, None)
        if isinstance(value, str):
            return value
    return None


class MessageVerifier:
    """Checks every received message before any handler sees it."""

    def __init__(self, registry: ProducerRegistry) -> None:
        self._registry = registry

    def __call__(self, topic: Topic[Any], raw: bytes, envelope: Envelope[Any]) -> None:
        """The consumer's admission hook: partners speak on the input topics, so only there is it checked
        whom the message speaks for."""
        self.check(topic.name, raw, envelope, partner_checked=topic.direction == "in")

    def check(self, topic_name: str, raw: bytes, envelope: Envelope[Any], *, partner_checked: bool) -> None:
        """Raise Refused unless a registered producer signed this very document, may write ``topic_name``
        and (for ``partner_checked`` topics, where partners speak) may speak for the partner it names."""
        producer = self._registry.get(envelope.producer)
        if producer is None:
            raise Refused(UNKNOWN_PRODUCER, f"no producer {envelope.producer!r} is registered")
        if envelope.signature is None:
            raise Refused(BAD_SIGNATURE, f"message claims to be from {producer.producer_id} but is not signed")
        kid, _, encoded = envelope.signature.partition(".")
        key = producer.key(kid)
        if key is None:
            raise Refused(BAD_SIGNATURE, f"key {kid!r} is not one of {producer.producer_id}'s registered keys")
        try:
            key.verify(base64.b64decode(encoded, validate=True), canonical_bytes(json.loads(raw)))
        except (InvalidSignature, ValueError) as exc:
            raise Refused(BAD_SIGNATURE, f"signature does not match {producer.producer_id}'s key {kid}") from exc
        if not producer.may_write(topic_name):
            raise Refused(MAY_NOT_WRITE, f"{producer.producer_id} may not write {topic_name}")
        partner = spoken_for(envelope.payload) if partner_checked else None
        if partner is not None and not producer.may_speak_for(partner):
            raise Refused(MAY_NOT_SPEAK_FOR, f"{producer.producer_id} may not speak for partner {partner}")
