from __future__ import annotations

from referee_shared.settings import ServiceSettings


class SettlementSettings(ServiceSettings):
    service_name: str = "settlement"
    http_port: int = 8005
