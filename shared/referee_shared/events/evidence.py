"""Payload of evidence.checkpoints: a chain's head as registration wrote it, signed, outside its database."""

from __future__ import annotations

from pydantic import Field

from ..timebounds import BoundedDatetime
from .envelope import Payload


class EvidenceCheckpoint(Payload):
    """The last position and hash of one evidence chain after a change; the hash commits to every record before.

    The envelope is signed with registration's key: whoever rewrites registration's database (and recomputes
    every hash) cannot rewrite this, so ``referee evidence verify`` names the records that no longer match.
    """

    event_type = "evidence.checkpoint"

    chain: str = Field(min_length=1, max_length=120, description="the customer key, lead:<id> or partner:<id>")
    seq: int = Field(ge=1, description="position of the chain's last record")
    hash: str = Field(pattern=r"^[0-9a-f]{64}$", description="that record's hash (SHA-256, hex)")
    at: BoundedDatetime = Field(description="when registration recorded it (its clock)")
