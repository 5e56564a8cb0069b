"""The console's settings: where the five services answer, how sessions are signed, who the demo users are."""

from __future__ import annotations

from pydantic import Field

from referee_shared.settings import ServiceSettings


class ConsoleSettings(ServiceSettings):
    service_name: str = "console"
    http_port: int = 8006
    registration_url: str = "http://127.0.0.1:8001"
    dedup_url: str = "http://127.0.0.1:8002"
    qualification_url: str = "http://127.0.0.1:8003"
    arbitration_url: str = "http://127.0.0.1:8004"
    settlement_url: str = "http://127.0.0.1:8005"
    session_secret: str = Field(
        default="referee-console-development-session-key-change-me", description="signs the session cookie"
    )
    session_hours: int = Field(default=12, ge=1, description="a session lasts this long after sign-in")
    cookie_secure: bool = Field(
        default=False, description="mark the session cookie Secure even on plain HTTP (always Secure over HTTPS)"
    )
    default_locale: str = "zh_CN"
    time_zone: str = "Asia/Shanghai"
    demo_users: bool = Field(default=False, description="create the demo users (password 'referee') when none exist")
    service_timeout_seconds: float = 10.0
