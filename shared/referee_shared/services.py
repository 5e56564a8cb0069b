"""The one list of Referee's services: name, HTTP port, package, database and how each is built.

Adding a service is one entry in ``SERVICES`` plus its package under ``services/<name>/referee_<name>``
(with ``app.build_runtime``, ``settings.<Name>Settings``, ``migrations/``) and its line in
pyproject.toml's wheel packages and mypy path. The CLI, deploy/services.sh (through
``python -m referee_shared.services``), the Kubernetes renderer, the test stacks and the topic registry's
consumer groups read this list; tests check that the production compose file and its database
initialisation name exactly these services.

Only the standard library is imported here, so the deploy scripts can read the list cheaply; the
service packages themselves are imported on demand.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from .runtime import ServiceRuntime
    from .settings import ServiceSettings

SERVICES_DIR = Path(__file__).resolve().parents[2] / "services"


@dataclass(frozen=True)
class Service:
    name: str
    port: int  # the default HTTP port; <NAME>_PORT in the environment overrides it on one machine

    @property
    def package(self) -> str:
        return f"referee_{self.name}"

    @property
    def database(self) -> str:
        """The service's own PostgreSQL database (and SQLite file stem on one machine)."""
        return f"referee_{self.name}"

    @property
    def port_variable(self) -> str:
        return f"{self.name.upper()}_PORT"

    def http_port(self, environ: Mapping[str, str] = os.environ) -> int:
        return int(environ.get(self.port_variable, self.port))

    @property
    def migrations(self) -> Path:
        return SERVICES_DIR / self.name / self.package / "migrations"

    def settings_type(self) -> type[ServiceSettings]:
        module = importlib.import_module(f"{self.package}.settings")
        return cast("type[ServiceSettings]", getattr(module, f"{self.name.title()}Settings"))

    def runtime_builder(self) -> Callable[..., tuple[ServiceRuntime, Any]]:
        """``build_runtime(settings, **stand_ins)`` of the service's composition root."""
        module = importlib.import_module(f"{self.package}.app")
        return cast("Callable[..., tuple[ServiceRuntime, Any]]", module.build_runtime)


SERVICES: tuple[Service, ...] = (
    Service("registration", 8001),
    Service("dedup", 8002),
    Service("qualification", 8003),
    Service("arbitration", 8004),
    Service("settlement", 8005),
)
SERVICE_NAMES: tuple[str, ...] = tuple(s.name for s in SERVICES)


def service(name: str) -> Service:
    for candidate in SERVICES:
        if candidate.name == name:
            return candidate
    raise KeyError(f"unknown service {name!r}; one of {', '.join(SERVICE_NAMES)}")


def main(argv: list[str]) -> int:
    """``python -m referee_shared.services``: one ``name port`` line per service, for the shell scripts."""
    if argv:
        print("usage: python -m referee_shared.services", file=sys.stderr)
        return 2
    for entry in SERVICES:
        print(entry.name, entry.http_port())
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
