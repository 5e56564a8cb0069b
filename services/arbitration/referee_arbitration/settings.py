from __future__ import annotations

from pydantic import Field

from referee_shared.settings import ServiceSettings


class ArbitrationSettings(ServiceSettings):
    service_name: str = "arbitration"
    http_port: int = 8004
    registration_url: str = Field(
        default="http://127.0.0.1:8001", description="registration's HTTP API: the evidence bundles"
    )
    dedup_url: str = Field(default="http://127.0.0.1:8002", description="dedup's HTTP API: the verdicts of a lead")
    http_timeout_seconds: float = 10.0
