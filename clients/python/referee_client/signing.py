"""Signing what you publish and checking what Referee publishes: Ed25519 over the canonical envelope.

The signed bytes are the envelope document without its ``signature`` field, as JSON with sorted keys,
no insignificant whitespace and UTF-8 text as itself. The signature is ``<key id>.<base64 signature>``,
the key id being the first 12 characters of the base64 raw public key, so a key can be rotated.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

SIGNATURE_FIELD = "signature"


def canonical_bytes(document: Mapping[str, Any]) -> bytes:
    unsigned = {name: value for name, value in document.items() if name != SIGNATURE_FIELD}
    return json.dumps(unsigned, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def public_text(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def key_id(key: Ed25519PublicKey) -> str:
    return public_text(key)[:12]


class Signer:
    """Signs the documents one producer (your system's id in Referee's producer registry) publishes."""

    def __init__(self, producer_id: str, key: Ed25519PrivateKey) -> None:
        self.producer_id = producer_id
        self._key = key
        self._key_id = key_id(key.public_key())

    @classmethod
    def from_pem(cls, producer_id: str, path: Path) -> Signer:
        """The private key Referee's operator issued you (``referee trust init`` writes keys/<producer>.pem)."""
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{path} is not an Ed25519 private key")
        return cls(producer_id, key)

    def sign(self, document: Mapping[str, Any]) -> dict[str, Any]:
        """The document with its ``signature``; its ``producer`` must be this signer's."""
        if document.get("producer") != self.producer_id:
            raise ValueError(f"{self.producer_id} cannot sign a document produced by {document.get('producer')}")
        raw = self._key.sign(canonical_bytes(document))
        return {**document, SIGNATURE_FIELD: f"{self._key_id}.{base64.b64encode(raw).decode()}"}


class SignatureRefused(Exception):
    """A message whose producer is unknown or whose signature does not verify; ``code`` is Referee's reason code."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code


class Verifier:
    """Checks that a message was signed by the producer it names, with one of that producer's keys."""

    def __init__(self, keys: Mapping[str, Iterable[Ed25519PublicKey]]) -> None:
        self._keys = {producer: {key_id(k): k for k in found} for producer, found in keys.items()}

    @classmethod
    def from_registry(cls, path: Path, producers: Iterable[str] | None = None) -> Verifier:
        """Read Referee's producer registry (``producers.json``: ``{"producers": {id: {"keys": [...]}}}``).

        ``producers`` limits whom you trust (e.g. only ``registration`` for decisions); default: all in the file.
        """
        document = json.loads(path.read_text(encoding="utf-8"))
        wanted = set(producers) if producers is not None else None
        return cls(
            {
                name: [Ed25519PublicKey.from_public_bytes(base64.b64decode(k, validate=True)) for k in entry["keys"]]
                for name, entry in document["producers"].items()
                if wanted is None or name in wanted
            }
        )

    def check(self, raw: bytes) -> dict[str, Any]:
        """The parsed document if its signature verifies; SignatureRefused otherwise."""
        try:
            document = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise SignatureRefused("not_json", str(exc)) from exc
        if not isinstance(document, dict):
            raise SignatureRefused("not_an_object", "a message must be a JSON object")
        producer = str(document.get("producer"))
        keys = self._keys.get(producer)
        if keys is None:
            raise SignatureRefused("unknown_producer", f"{producer!r} is not a producer you trust")
        signature = document.get(SIGNATURE_FIELD)
        if not isinstance(signature, str):
            raise SignatureRefused("bad_signature", f"message claims to be from {producer} but is not signed")
        kid, _, encoded = signature.partition(".")
        key = keys.get(kid)
        if key is None:
            raise SignatureRefused("bad_signature", f"key {kid!r} is not one of {producer}'s keys")
        try:
            key.verify(base64.b64decode(encoded, validate=True), canonical_bytes(document))
        except (InvalidSignature, ValueError) as exc:
            raise SignatureRefused("bad_signature", f"signature does not match {producer}'s key {kid}") from exc
        return document
