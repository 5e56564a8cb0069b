"""Settings shared by every service, read from environment variables (prefix ``REFEREE_``)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .token_secret import per_install_secret

REPO_ROOT = Path(__file__).resolve().parents[2]


class ServiceSettings(BaseSettings):
    """What every service process needs; each service subclasses it for its own extras."""

    model_config = SettingsConfigDict(env_prefix="REFEREE_", extra="ignore")

    service_name: str = "referee"
    instance_id: str = Field(default="1", description="distinguishes two instances of one service")
    data_dir: Path = REPO_ROOT / ".referee"
    kafka_bootstrap: str = "127.0.0.1:9092"
    kafka_security_protocol: Literal["PLAINTEXT", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    kafka_sasl_mechanism: Literal["SCRAM-SHA-512", "SCRAM-SHA-256"] = "SCRAM-SHA-512"
    kafka_sasl_username: str = Field(default="", description="this component's Kafka principal")
    kafka_sasl_password: str = Field(default="", description="its SCRAM password (from a secret)")
    kafka_ssl_cafile: Path | None = Field(default=None, description="the CA that signed the brokers' certificates")
    kafka_replication_factor: int = Field(
        default=1, ge=1, description="replicas of each topic created (3 in production)"
    )
    topic_prefix: str = Field(
        default="", description="namespaces every topic and consumer group, so test runs never collide"
    )
    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"
    temporal_tls: bool = Field(default=False, description="connect to Temporal over TLS (e.g. Temporal Cloud)")
    temporal_tls_client_cert: Path | None = Field(default=None, description="PEM client certificate for mTLS")
    temporal_tls_client_key: Path | None = Field(default=None, description="PEM private key of the client certificate")
    temporal_api_key: str = Field(default="", description="API key for Temporal Cloud; implies TLS")
    temporal_metrics_bind: str = Field(
        default="", description="host:port where the Temporal SDK serves its Prometheus metrics; empty = off"
    )
    database_url: str = Field(
        default="", description="SQLAlchemy async URL; empty means a SQLite file in data_dir/services"
    )
    rules_dir: Path = REPO_ROOT / "rules"
    migrate_on_start: bool = Field(
        default=True, description="apply pending migrations at start; off where a migration job does it (Kubernetes)"
    )
    local_mode: bool = Field(
        default=False,
        description="development on one machine: generate a per-install token secret in data_dir if none is set",
    )
    auth_secret: str = Field(
        default="",
        description="HMAC key of the local token issuer, shared by all services; empty means the per-install "
        "secret in data_dir/secrets (generated there in local mode)",
    )
    auth_issuer: str = Field(default="referee", description="the `iss` of tokens the local issuer signs")
    auth_audience: str = Field(default="referee-api", description="the `aud` every accepted token must name")
    auth_max_token_hours: int = Field(
        default=24 * 30, ge=1, description="no token is accepted (or issued) for longer than this from its `iat`"
    )
    auth_jwks_url: str = Field(
        default="", description="an OIDC provider's JWKS address; its RS256/ES256 tokens are accepted too"
    )
    auth_jwks_issuer: str = Field(default="", description="the `iss` of the OIDC provider's tokens")
    max_request_bytes: int = Field(
        default=1024 * 1024, ge=1024, description="a request body larger than this is refused with 413"
    )
    message_trust: bool = Field(
        default=False,
        description="sign every emitted message and verify every received one against the producer registry",
    )
    cross_checks: bool = Field(
        default=False,
        description=(
            "settlement takes a deal only for the lock holder of a lead it saw locked; registration acts on a"
            " ruling only for an open dispute ruled by an authorised arbiter (on in make demo and production)"
        ),
    )
    trust_dir: Path | None = Field(
        default=None, description="producer registry and this service's key; default data_dir/trust"
    )
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    log_level: str = "INFO"
    log_json: bool = True
    metrics_sample_seconds: float = Field(
        default=15.0, gt=0, description="seconds between reads of the business gauges (open locks, tasks...)"
    )
    tracing: bool = Field(default=False, description="trace with OpenTelemetry through the process's tracer provider")
    otel_exporter_otlp_endpoint: str = Field(
        default="", description="OTLP/HTTP collector base URL (e.g. http://otel-collector:4318); set = tracing on"
    )
    outbox_poll_seconds: float = 0.5
    consumer_concurrency: int = Field(
        default=8, ge=1, description="partitions of one subscription processed side by side (PostgreSQL only)"
    )
    kafka_session_timeout_ms: int = Field(
        default=10_000,
        ge=1_000,
        description="a consumer silent this long is dropped from its group and its partitions reassigned (the "
        "broker's group.min.session.timeout.ms, 6 s by default, is the floor)",
    )
    kafka_heartbeat_interval_ms: int = Field(
        default=3_000, ge=100, description="how often a consumer tells its group it is alive (below a third of it)"
    )
    kafka_static_membership: bool = Field(
        default=False,
        description="join consumer groups as a static member (KIP-345, group.instance.id = the service and its "
        "instance id): a restarted instance takes its partitions back without a rebalance. Only where every "
        "instance of a service has its own stable REFEREE_INSTANCE_ID: two live members with one id fence each other",
    )
    consumer_max_attempts: int = Field(
        default=5, description="a message failing this often for reasons other than bad input is dead-lettered"
    )
    retry_delay_seconds: float = Field(
        default=5.0,
        ge=0,
        le=120,
        description="a message that cannot be processed yet (a lead not recorded yet) is tried again from the "
        "service's retry topic after this many seconds, without holding back the messages behind it",
    )
    retry_max_attempts: int = Field(
        default=60,
        ge=1,
        description="attempts in all (the first delivery counts) before such a message is dead-lettered with "
        "the reason; with the delay, how long it may wait for what it needs",
    )

    @model_validator(mode="after")
    def _per_install_secret(self) -> ServiceSettings:
        if not self.auth_secret:
            self.auth_secret = per_install_secret(self.data_dir, create=self.local_mode)
        return self

    def resolved_database_url(self) -> str:
        """The configured database, or the service's own SQLite file by default."""
        if self.database_url:
            return self.database_url
        path = self.data_dir / "services" / f"{self.service_name}.db"
        return f"sqlite+aiosqlite:///{path}"

    def resolved_trust_dir(self) -> Path:
        return self.trust_dir or self.data_dir / "trust"

    def workflow_id(self, kind: str, key: object) -> str:
        """A workflow id from a business key, namespaced like the topics (so test runs never collide)."""
        return f"{self.topic_prefix}{kind}-{key}"

    def task_queue(self, service: str | None = None) -> str:
        """The Temporal task queue of a service, namespaced like the topics."""
        return f"{self.topic_prefix}{service or self.service_name}"
