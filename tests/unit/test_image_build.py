"""The production image's steps, run outside a container: the services install without any dev tool."""

from __future__ import annotations

import subprocess
from pathlib import Path

from referee_shared.settings import REPO_ROOT


def test_the_image_steps_install_the_services_without_the_temporal_dev_server_or_test_tools(tmp_path: Path) -> None:
    target = tmp_path / "app"
    subprocess.run([str(REPO_ROOT / "deploy" / "image" / "build.sh"), str(target)], check=True, timeout=600)

    python = target / ".venv" / "bin" / "python"
    services = ("registration", "dedup", "qualification", "arbitration", "settlement")
    imports = ", ".join(f"referee_{service}.app" for service in services)
    subprocess.run([str(python), "-c", f"import {imports}"], check=True, cwd=tmp_path, timeout=120)
    cli = subprocess.run(
        [str(target / ".venv" / "bin" / "referee"), "--help"], capture_output=True, text=True, timeout=60
    )
    assert cli.returncode == 0, cli.stderr
    installed = {p.name for p in (target / ".venv" / "bin").iterdir()}
    assert not installed & {"temporal", "temporal-test-server", "pytest", "mypy", "ruff"}
    assert (target / "rules").is_dir()
    assert not (target / "tests").exists()
