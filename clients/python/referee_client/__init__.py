"""Referee's client kit: typed events of the contract, a signing producer, a verifying consumer, the APIs."""

from .consumer import RefereeConsumer
from .contract import REASONS, TOPICS, Envelope
from .events import UnreadableEvent, envelope_document, read_event
from .http import RefereeHttp, RefereeHttpError
from .producer import RefereeProducer
from .signing import SignatureRefused, Signer, Verifier

__all__ = [
    "REASONS",
    "TOPICS",
    "Envelope",
    "RefereeConsumer",
    "RefereeHttp",
    "RefereeHttpError",
    "RefereeProducer",
    "SignatureRefused",
    "Signer",
    "UnreadableEvent",
    "Verifier",
    "envelope_document",
    "read_event",
]
