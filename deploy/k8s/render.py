"""Writes deploy/k8s/ (base and production overlay) from one table of components, so they cannot drift apart.

    .venv/bin/python deploy/k8s/render.py          # rewrite base/ and overlays/production/ (commit them)
    .venv/bin/python deploy/k8s/render.py --check  # exit 1 if they are not what this script writes

The base is plain Kubernetes (kustomize); overlays/ adapt it (production: Kafka over TLS with SASL,
Temporal with TLS or an API key, replication factor 3, sizes). Every Deployment scales horizontally:
no host ports, one container port, probes on /health/live and /health/ready, its own database URL
from the cluster's Secret, and migrations run by a Job of its own rather than by every replica.

Longer than most modules on purpose: it is the whole cluster as one reviewable description, one
function per kind of manifest; splitting it would scatter what must be read together.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from referee_shared.services import SERVICES

HERE = Path(__file__).parent
BASE = HERE / "base"
PRODUCTION = HERE / "overlays" / "production"
IMAGE = "referee"
HTTP_PORT = 8000
TEMPORAL_METRICS_PORT = 9000
SECRET = "referee-secrets"
CONFIG = "referee-config"


@dataclass(frozen=True)
class Component:
    name: str
    database: bool = True
    temporal: bool = True
    migrated_by_job: bool = True  # Alembic migrations applied by a Job (the console creates its one table itself)
    secrets: tuple[tuple[str, str], ...] = ()  # extra (environment variable, secret key) pairs


# The five services, then the console: a client of theirs over HTTP, with its own users' database.
CONSOLE = Component(
    "console",
    temporal=False,
    migrated_by_job=False,
    secrets=(("REFEREE_SESSION_SECRET", "console-session-secret"),),
)
COMPONENTS = (*(Component(service.name) for service in SERVICES), CONSOLE)


def labels(component: str) -> dict[str, str]:
    return {"app.kubernetes.io/name": f"referee-{component}", "app.kubernetes.io/part-of": "referee"}


def secret_env(name: str, key: str, optional: bool = False) -> dict[str, Any]:
    ref: dict[str, Any] = {"name": SECRET, "key": key}
    if optional:
        ref["optional"] = True
    return {"name": name, "valueFrom": {"secretKeyRef": ref}}


def common_env(component: Component) -> list[dict[str, Any]]:
    env: list[dict[str, Any]] = [
        secret_env("REFEREE_AUTH_SECRET", "auth-secret"),
        secret_env("REFEREE_TEMPORAL_API_KEY", "temporal-api-key", optional=True),
    ]
    if component.database:
        env.append(secret_env("REFEREE_DATABASE_URL", f"{component.name}-database-url"))
    env += [secret_env(name, key) for name, key in component.secrets]
    return env


def pod_security() -> dict[str, Any]:
    return {"runAsNonRoot": True, "runAsUser": 10001, "runAsGroup": 10001, "fsGroup": 10001}


def container_security() -> dict[str, Any]:
    return {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True, "capabilities": {"drop": ["ALL"]}}


def scratch_volume() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A writable /tmp (the data folder) on a read-only root file system."""
    return [{"name": "scratch", "emptyDir": {}}], [{"name": "scratch", "mountPath": "/tmp"}]


def deployment(component: Component) -> dict[str, Any]:
    volumes, mounts = scratch_volume()
    env = [
        {"name": "REFEREE_INSTANCE_ID", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
        {"name": "REFEREE_HTTP_PORT", "value": str(HTTP_PORT)},
        *common_env(component),
    ]
    ports = [{"name": "http", "containerPort": HTTP_PORT}]
    if component.temporal:
        env.append({"name": "REFEREE_TEMPORAL_METRICS_BIND", "value": f"0.0.0.0:{TEMPORAL_METRICS_PORT}"})
        ports.append({"name": "temporal-metrics", "containerPort": TEMPORAL_METRICS_PORT})
    probe_base = {"port": "http"}
    container = {
        "name": component.name,
        "image": IMAGE,
        "command": ["python", "-m", f"referee_{component.name}"],
        "envFrom": [{"configMapRef": {"name": CONFIG}}],
        "env": env,
        "ports": ports,
        "startupProbe": {
            "httpGet": {"path": "/health/live", **probe_base},
            "periodSeconds": 2,
            "failureThreshold": 60,
        },
        "livenessProbe": {
            "httpGet": {"path": "/health/live", **probe_base},
            "periodSeconds": 10,
            "failureThreshold": 3,
        },
        "readinessProbe": {
            "httpGet": {"path": "/health/ready", **probe_base},
            "periodSeconds": 5,
            "failureThreshold": 2,
            "timeoutSeconds": 5,
        },
        "resources": {
            "requests": {"cpu": "250m", "memory": "256Mi"},
            "limits": {"memory": "512Mi"},
        },
        "securityContext": container_security(),
        "volumeMounts": mounts,
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": f"referee-{component.name}", "labels": labels(component.name)},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": labels(component.name)},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}},
            "template": {
                "metadata": {
                    "labels": labels(component.name),
                    "annotations": {
                        "prometheus.io/scrape": "true",
                        "prometheus.io/port": str(HTTP_PORT),
                        "prometheus.io/path": "/metrics",
                    },
                },
                "spec": {
                    "securityContext": pod_security(),
                    "terminationGracePeriodSeconds": 30,
                    "containers": [container],
                    "volumes": volumes,
                },
            },
        },
    }


def service(component: Component) -> dict[str, Any]:
    ports = [{"name": "http", "port": 80, "targetPort": "http"}]
    if component.temporal:
        ports.append({"name": "temporal-metrics", "port": TEMPORAL_METRICS_PORT, "targetPort": "temporal-metrics"})
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": f"referee-{component.name}", "labels": labels(component.name)},
        "spec": {"selector": labels(component.name), "ports": ports},
    }


def autoscaler(component: Component) -> dict[str, Any]:
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": f"referee-{component.name}", "labels": labels(component.name)},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": f"referee-{component.name}"},
            "minReplicas": 2,
            "maxReplicas": 12,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}},
                }
            ],
        },
    }


def disruption_budget(component: Component) -> dict[str, Any]:
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": f"referee-{component.name}", "labels": labels(component.name)},
        "spec": {"minAvailable": 1, "selector": {"matchLabels": labels(component.name)}},
    }


def job(name: str, component: Component, args: list[str]) -> dict[str, Any]:
    volumes, mounts = scratch_volume()
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name, "labels": {**labels(component.name), "app.kubernetes.io/component": "job"}},
        "spec": {
            "backoffLimit": 4,
            "ttlSecondsAfterFinished": 86400,
            "template": {
                "metadata": {"labels": labels(component.name)},
                "spec": {
                    "restartPolicy": "OnFailure",
                    "securityContext": pod_security(),
                    "containers": [
                        {
                            "name": "run",
                            "image": IMAGE,
                            "command": ["referee", *args],
                            "envFrom": [{"configMapRef": {"name": CONFIG}}],
                            "env": common_env(component),
                            "securityContext": container_security(),
                            "volumeMounts": mounts,
                        }
                    ],
                    "volumes": volumes,
                },
            },
        },
    }


def migration_job(component: Component) -> dict[str, Any]:
    return job(
        f"referee-migrate-{component.name}",
        component,
        ["db", "upgrade", component.name, "--url", "$(REFEREE_DATABASE_URL)"],
    )


def evidence_check() -> dict[str, Any]:
    """Hourly: every evidence chain verified; a failed run is the alert that someone altered the trail."""
    registration = COMPONENTS[0]
    template = job("referee-evidence-verify", registration, ["evidence", "verify"])["spec"]
    template["backoffLimit"] = 0
    template["template"]["spec"]["restartPolicy"] = "Never"
    return {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "referee-evidence-verify", "labels": labels("registration")},
        "spec": {"schedule": "17 * * * *", "concurrencyPolicy": "Forbid", "jobTemplate": {"spec": template}},
    }


def config_map() -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": CONFIG, "labels": {"app.kubernetes.io/part-of": "referee"}},
        "data": {
            "REFEREE_KAFKA_BOOTSTRAP": "kafka-bootstrap:9092",
            "REFEREE_TEMPORAL_ADDRESS": "temporal-frontend:7233",
            "REFEREE_TEMPORAL_NAMESPACE": "referee",
            "REFEREE_RULES_DIR": "/app/rules",
            "REFEREE_DATA_DIR": "/tmp/referee",
            "REFEREE_HTTP_HOST": "0.0.0.0",
            "REFEREE_LOG_JSON": "true",
            "REFEREE_MIGRATE_ON_START": "false",
            "REFEREE_KAFKA_REPLICATION_FACTOR": "3",
            "REFEREE_REGISTRATION_URL": "http://referee-registration",
            "REFEREE_DEDUP_URL": "http://referee-dedup",
            "REFEREE_QUALIFICATION_URL": "http://referee-qualification",
            "REFEREE_ARBITRATION_URL": "http://referee-arbitration",
            "REFEREE_SETTLEMENT_URL": "http://referee-settlement",
        },
    }


def documents() -> dict[str, list[dict[str, Any]]]:
    """File name -> the documents it holds."""
    files: dict[str, list[dict[str, Any]]] = {"config.yaml": [config_map()]}
    for component in COMPONENTS:
        files[f"{component.name}.yaml"] = [
            deployment(component),
            service(component),
            autoscaler(component),
            disruption_budget(component),
        ]
    topics_job = job("referee-topics", COMPONENTS[0], ["infra", "topics", "create"])
    migrations = [migration_job(c) for c in COMPONENTS if c.database and c.migrated_by_job]
    files["jobs.yaml"] = [topics_job, *migrations, evidence_check()]
    files["kustomization.yaml"] = [
        {
            "apiVersion": "kustomize.config.k8s.io/v1beta1",
            "kind": "Kustomization",
            "labels": [{"pairs": {"app.kubernetes.io/managed-by": "kustomize"}}],
            "resources": sorted(name for name in files if name != "kustomization.yaml"),
        }
    ]
    return files


def kafka_security_patch(component: Component) -> dict[str, Any]:
    """Production: Kafka over TLS with SASL/SCRAM, one principal per component, its password from the Secret."""
    env = [
        {"name": "REFEREE_KAFKA_SECURITY_PROTOCOL", "value": "SASL_SSL"},
        {"name": "REFEREE_KAFKA_SASL_MECHANISM", "value": "SCRAM-SHA-512"},
        {"name": "REFEREE_KAFKA_SASL_USERNAME", "value": f"referee-{component.name}"},
        secret_env("REFEREE_KAFKA_SASL_PASSWORD", f"{component.name}-kafka-password"),
        {"name": "REFEREE_KAFKA_SSL_CAFILE", "value": "/etc/referee/kafka-ca/ca.crt"},
        {"name": "REFEREE_TEMPORAL_TLS", "value": "true"},
    ]
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": f"referee-{component.name}"},
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {
                            "name": component.name,
                            "env": env,
                            "resources": {"requests": {"cpu": "500m", "memory": "512Mi"}, "limits": {"memory": "1Gi"}},
                            "volumeMounts": [
                                {"name": "kafka-ca", "mountPath": "/etc/referee/kafka-ca", "readOnly": True}
                            ],
                        }
                    ],
                    "volumes": [{"name": "kafka-ca", "secret": {"secretName": "referee-kafka-ca"}}],
                }
            }
        },
    }


def production() -> dict[str, list[dict[str, Any]]]:
    files: dict[str, list[dict[str, Any]]] = {
        f"{component.name}-security.yaml": [kafka_security_patch(component)] for component in COMPONENTS
    }
    files["kustomization.yaml"] = [
        {
            "apiVersion": "kustomize.config.k8s.io/v1beta1",
            "kind": "Kustomization",
            "namespace": "referee",
            "resources": ["../../base"],
            "images": [{"name": IMAGE, "newName": "registry.example.com/referee", "newTag": "0.1.0"}],
            "patches": [{"path": name} for name in sorted(files)],
            "configMapGenerator": [
                {
                    "name": CONFIG,
                    "behavior": "merge",
                    "literals": [
                        "REFEREE_KAFKA_BOOTSTRAP=kafka-bootstrap.kafka:9093",
                        "REFEREE_TEMPORAL_ADDRESS=referee.a1b2c.tmprl.cloud:7233",
                        "REFEREE_TEMPORAL_NAMESPACE=referee.a1b2c",
                    ],
                }
            ],
        }
    ]
    return files


def render() -> dict[Path, str]:
    header = "# Written by deploy/k8s/render.py; edit that script, not this file.\n"
    rendered: dict[Path, str] = {}
    for folder, files in ((BASE, documents()), (PRODUCTION, production())):
        for name, docs in files.items():
            rendered[folder / name] = header + yaml.safe_dump_all(docs, sort_keys=False, allow_unicode=True)
    return rendered


def stale_files() -> list[str]:
    """The files under deploy/k8s that differ from what this script writes (missing and extra ones too)."""
    rendered = render()
    present = {*BASE.glob("*.yaml"), *PRODUCTION.glob("*.yaml")}
    differing = [path for path, text in rendered.items() if not path.exists() or path.read_text() != text]
    extra = [path for path in present if path not in rendered]
    return sorted(str(path.relative_to(HERE)) for path in [*differing, *extra])


def main(argv: list[str]) -> int:
    if "--check" in argv:
        stale = stale_files()
        if stale:
            print(f"deploy/k8s is not current ({', '.join(stale)}); run deploy/k8s/render.py")
            return 1
        return 0
    for extra in {*BASE.glob("*.yaml"), *PRODUCTION.glob("*.yaml")} - set(render()):
        extra.unlink()
    for path, text in render().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
