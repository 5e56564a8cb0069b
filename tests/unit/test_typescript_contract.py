"""The TypeScript contract for web portals is generated from the schemas and type-checks with tsc."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from referee_cli.client_codegen import TYPESCRIPT_CONTRACT

KIT = TYPESCRIPT_CONTRACT.parent.parent
needs_node = pytest.mark.skipif(
    shutil.which("node") is None or shutil.which("npm") is None,
    reason="node and npm are needed to type-check the TypeScript contract (apt-get install nodejs npm)",
)


def tsc(*arguments: str, cwd: Path = KIT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(KIT / "check.sh"), *arguments], cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )


@needs_node
def test_the_generated_contract_and_its_example_type_check() -> None:
    checked = tsc()
    assert checked.returncode == 0, checked.stdout + checked.stderr


@needs_node
def test_tsc_refuses_a_reason_code_the_contract_does_not_have(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    shutil.copy(TYPESCRIPT_CONTRACT, tmp_path / "src" / "contract.ts")
    (tmp_path / "src" / "wrong.ts").write_text(
        'import type { LeadDecision } from "./contract";\n'
        'export const d: LeadDecision["reason_code"] = "dupe";\n'
        'export const o: LeadDecision["outcome"] = "maybe";\n',
        encoding="utf-8",
    )
    (tmp_path / "tsconfig.json").write_text((KIT / "tsconfig.json").read_text(encoding="utf-8"), encoding="utf-8")
    checked = tsc("-p", str(tmp_path))
    assert checked.returncode != 0
    assert "'\"dupe\"' is not assignable" in checked.stdout
    assert "'\"maybe\"' is not assignable" in checked.stdout
