"""Registration's settings: the shared ones with its own name and port."""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field

from referee_shared.settings import ServiceSettings


class RegistrationSettings(ServiceSettings):
    service_name: str = "registration"
    http_port: int = 8001
    partner_registry_required: bool = Field(
        default=False,
        description="refuse registrations from partners not in the partner registry (on in make demo and production)",
    )
    large_account_amount: Decimal = Field(
        default=Decimal(1_000_000), description="a deal of at least this amount is a large account in the figures"
    )
