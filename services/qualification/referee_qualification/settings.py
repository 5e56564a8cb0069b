from __future__ import annotations

from referee_shared.settings import ServiceSettings


class QualificationSettings(ServiceSettings):
    service_name: str = "qualification"
    http_port: int = 8003
