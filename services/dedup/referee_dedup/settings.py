from __future__ import annotations

from referee_shared.settings import ServiceSettings


class DedupSettings(ServiceSettings):
    service_name: str = "dedup"
    http_port: int = 8002
