from __future__ import annotations

from referee_shared.settings import ServiceSettings


class ArbitrationSettings(ServiceSettings):
    service_name: str = "arbitration"
    http_port: int = 8004
