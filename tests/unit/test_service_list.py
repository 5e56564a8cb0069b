"""The one list of services is the one every deployment reads, or is checked against."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from referee_shared.db.migrate import head_revisions
from referee_shared.services import SERVICES, Service, service
from referee_shared.topics import CONSUMER_GROUPS

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = ROOT / "deploy" / "production"


def test_every_listed_service_has_its_package_settings_builder_and_migrations() -> None:
    for entry in SERVICES:
        assert entry.settings_type().__name__ == f"{entry.name.title()}Settings"
        assert callable(entry.runtime_builder())
        assert (entry.migrations / "versions").is_dir(), entry.migrations


@pytest.mark.parametrize("entry", SERVICES, ids=lambda entry: entry.name)
def test_every_service_has_one_line_of_migrations(entry: Service) -> None:
    # Two branches adding a migration each give two heads; the service would then refuse to start.
    assert len(head_revisions(entry.migrations)) == 1, f"{entry.name}: re-parent one migration onto the other"


def test_an_unknown_service_is_refused_with_the_known_ones() -> None:
    with pytest.raises(KeyError, match="one of registration, dedup, qualification, arbitration, settlement"):
        service("billing")


def test_the_production_compose_file_runs_exactly_the_listed_services_on_their_ports_and_databases() -> None:
    compose = yaml.safe_load((PRODUCTION / "compose.yaml").read_text())
    runs = {
        name: spec
        for name, spec in compose["services"].items()
        if spec.get("command", [None])[:2] == ["python", "-m"] and str(spec["command"][2]).startswith("referee_")
    }
    assert sorted(runs) == sorted(s.name for s in SERVICES)
    for entry in SERVICES:
        spec = runs[entry.name]
        assert spec["command"] == ["python", "-m", entry.package]
        assert spec["environment"]["REFEREE_HTTP_PORT"] == entry.port
        assert spec["ports"] == [f"{entry.port}:{entry.port}"]
        assert spec["environment"]["REFEREE_DATABASE_URL"].endswith(f"@postgres:5432/{entry.database}")
    init = (PRODUCTION / "postgres-init" / "10-databases.sh").read_text()
    for entry in SERVICES:
        assert f"CREATE DATABASE {entry.database} OWNER referee;" in init


def test_the_deploy_scripts_read_names_and_ports_from_the_list_with_overrides() -> None:
    listed = subprocess.run(
        [sys.executable, "-m", "referee_shared.services"],
        env={"REGISTRATION_PORT": "9001"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert listed[0] == "registration 9001"
    assert listed[1:] == [f"{s.name} {s.port}" for s in SERVICES[1:]]


def test_every_service_is_a_consumer_group_with_a_dead_letter_topic() -> None:
    assert tuple(s.name for s in SERVICES) == CONSUMER_GROUPS
