"""The Kubernetes deployment, checked statically: rendered by kustomize and validated against the schemas."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import kubernetes_validate
import pytest
import yaml

from referee_shared.settings import REPO_ROOT

K8S = REPO_ROOT / "deploy" / "k8s"
KUBERNETES_VERSION = "1.33.0"


def render_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("k8s_render", K8S / "render.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def kustomize(folder: Path) -> list[dict[str, Any]]:
    kubectl = shutil.which("kubectl")
    assert kubectl, "kubectl (it renders kustomize) is part of this machine's image; install it to check the deployment"
    out = subprocess.run([kubectl, "kustomize", str(folder)], capture_output=True, text=True, check=True).stdout
    return [doc for doc in yaml.safe_load_all(out) if doc]


@pytest.fixture(scope="module")
def production() -> list[dict[str, Any]]:
    return kustomize(K8S / "overlays" / "production")


def of_kind(docs: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for doc in docs if doc["kind"] == kind}


def test_the_committed_manifests_are_what_the_renderer_writes() -> None:
    assert render_module().stale_files() == []


@pytest.mark.parametrize("overlay", ["base", "overlays/production"])
def test_every_rendered_manifest_is_valid_against_the_kubernetes_schemas(overlay: str) -> None:
    docs = kustomize(K8S / overlay)
    assert len(docs) >= 25
    for doc in docs:
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


def test_a_broken_manifest_is_caught_by_the_validation() -> None:
    [deployment, *_] = [d for d in kustomize(K8S / "base") if d["kind"] == "Deployment"]
    deployment["spec"]["replicas"] = "two"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)


def test_every_service_scales_horizontally_with_probes_and_its_own_migration_job(
    production: list[dict[str, Any]],
) -> None:
    deployments = of_kind(production, "Deployment")
    autoscalers = of_kind(production, "HorizontalPodAutoscaler")
    jobs = of_kind(production, "Job")
    assert set(deployments) == {
        f"referee-{s}" for s in ("registration", "dedup", "qualification", "arbitration", "settlement", "console")
    }
    for name, deployment in deployments.items():
        service = name.removeprefix("referee-")
        [container] = deployment["spec"]["template"]["spec"]["containers"]
        assert all("hostPort" not in port for port in container["ports"])
        assert container["livenessProbe"]["httpGet"]["path"] == "/health/live"
        assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready"
        assert container["resources"]["requests"]["cpu"]
        assert autoscalers[name]["spec"]["minReplicas"] >= 2
        if service != "console":  # the console creates its users' table itself
            migrate = jobs[f"referee-migrate-{service}"]["spec"]["template"]["spec"]["containers"][0]
            assert migrate["command"][:4] == ["referee", "db", "upgrade", service]
        secrets = {
            e["name"]: e["valueFrom"]["secretKeyRef"]["key"]
            for e in container["env"]
            if "valueFrom" in e and "secretKeyRef" in e["valueFrom"]
        }
        assert secrets["REFEREE_DATABASE_URL"] == f"{service}-database-url"
        assert secrets["REFEREE_AUTH_SECRET"] == "auth-secret"


def test_production_talks_to_kafka_over_tls_with_its_own_principal_and_replicates_three_times(
    production: list[dict[str, Any]],
) -> None:
    [config] = of_kind(production, "ConfigMap").values()
    assert config["data"]["REFEREE_KAFKA_REPLICATION_FACTOR"] == "3"
    assert config["data"]["REFEREE_MIGRATE_ON_START"] == "false"
    for name, deployment in of_kind(production, "Deployment").items():
        [container] = deployment["spec"]["template"]["spec"]["containers"]
        env = {e["name"]: e.get("value") for e in container["env"]}
        assert env["REFEREE_KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"
        assert env["REFEREE_KAFKA_SASL_USERNAME"] == name
        assert env["REFEREE_TEMPORAL_TLS"] == "true"
        assert not any(e["name"].endswith("PASSWORD") and "value" in e for e in container["env"]), "a password in clear"
