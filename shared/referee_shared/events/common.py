"""Value types shared by several topics' payloads."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from stdnum.cn import uscc as uscc_checker
from stdnum.exceptions import ValidationError as StdnumValidationError

PartyId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:\-]+$")]
ProductLine = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[a-z0-9_\-]+$")]
Sha256Hex = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
CurrencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
Money = Annotated[Decimal, Field(max_digits=18, decimal_places=2)]
Ratio = Annotated[Decimal, Field(ge=0, le=1, max_digits=9, decimal_places=6)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Channel(StrEnum):
    """How a party sells: a regional dealer, an agent, or the manufacturer's direct team."""

    DEALER = "dealer"
    AGENT = "agent"
    DIRECT = "direct"


class GeoPoint(Strict):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class Attachment(Strict):
    """A document referred to by its content digest; the bytes live in the partner's document store."""

    name: str = Field(min_length=1, max_length=200)
    sha256: Sha256Hex
    media_type: str | None = Field(default=None, max_length=100)


def validate_uscc(code: str) -> str:
    """Return the normalised unified social credit code, or raise ValueError saying why it is invalid."""
    try:
        return str(uscc_checker.validate(code))
    except StdnumValidationError as exc:
        raise ValueError(f"invalid unified social credit code {code!r}: {exc}") from exc


class CustomerIdentity(Strict):
    """A customer as a partner describes it; dedup decides whether it is someone already known."""

    name: str = Field(min_length=1, max_length=200, description="organisation name as written")
    uscc: str | None = Field(default=None, description="unified social credit code (18 chars, checksum)")
    phone: str | None = Field(default=None, max_length=40)
    address: str | None = Field(default=None, max_length=300)
    province: str | None = Field(default=None, max_length=40)
    city: str | None = Field(default=None, max_length=40)
    district: str | None = Field(default=None, max_length=40)
    location: GeoPoint | None = None
    department: str | None = Field(
        default=None, max_length=100, description="slice of a large account: department, disease area or project"
    )
    industry: str | None = Field(default=None, max_length=60)
    size: str | None = Field(default=None, max_length=30, description="e.g. small, medium, large, key-account")

    @field_validator("uscc")
    @classmethod
    def _uscc_has_valid_checksum(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        return validate_uscc(value.strip())
