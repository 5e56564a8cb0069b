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
    lock_reconcile_seconds: float = Field(
        default=300,
        ge=0,
        description="seconds between two passes of the lock reconciler (0: never), which tells a lock workflow the "
        "end it missed and ends the workflow of a lead never accepted (usecases/reconcile.py)",
    )
    lock_reconcile_grace_seconds: float = Field(
        default=60, ge=0, description="the reconciler leaves lock workflows younger than this alone"
    )
