"""Registration's settings: the shared ones with its own name and port."""

from __future__ import annotations

from referee_shared.settings import ServiceSettings


class RegistrationSettings(ServiceSettings):
    service_name: str = "registration"
    http_port: int = 8001
