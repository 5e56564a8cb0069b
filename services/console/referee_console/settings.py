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

    # The notification centre (notifications/): events from Kafka, live updates, mail and webhooks.
    notifications_from_kafka: bool = Field(
        default=False, description="read the services' events from Kafka into the notification centre"
    )
    public_url: str = Field(default="http://127.0.0.1:8006", description="the console's address, for links in mails")
    live_poll_seconds: float = Field(default=2.0, gt=0, description="a live stream looks for news at least this often")
    live_stream_seconds: float = Field(
        default=300.0, gt=0, description="a live stream ends after this; the browser reconnects"
    )
    smtp_host: str = Field(default="", description="the SMTP server for notification mails; empty: no mail")
    smtp_port: int = 25
    smtp_from: str = "Referee <referee@localhost>"
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    smtp_timeout_seconds: float = 10.0
    outgoing_poll_seconds: float = Field(default=1.0, gt=0, description="how often owed mails and webhooks are sent")
    outgoing_max_attempts: int = Field(
        default=8, ge=1, description="tries of one mail or webhook call before giving up"
    )
    outgoing_backoff_seconds: float = Field(default=2.0, gt=0, description="the first retry's wait; doubled each time")
    outgoing_backoff_cap_seconds: float = Field(default=600.0, gt=0)
    webhook_timeout_seconds: float = 10.0
    webhook_allow_private: bool = Field(
        default=False, description="let partners aim webhooks at private or loopback addresses (tests, closed networks)"
    )

    # Photos of follow-ups (photos.py), kept under <data_dir>/photos by their SHA-256.
    photo_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1, description="the largest photo a partner may upload")
    hints_per_minute: int = Field(
        default=20, ge=1, description="protection hints a partner user may ask for per minute (each asks dedup)"
    )

    # Sign-in through a company's OpenID Connect provider (oidc.py); empty issuer: local passwords only.
    oidc_issuer: str = Field(default="", description="the provider's issuer URL; its discovery document is read")
    oidc_client_id: str = "referee-console"
    oidc_client_secret: str = ""
    oidc_scopes: str = "openid email profile"
    oidc_username_claim: str = Field(
        default="preferred_username", description="the ID token claim that names the console user"
    )
    oidc_redirect_url: str = Field(default="", description="default: <public_url>/login/oidc/callback")
