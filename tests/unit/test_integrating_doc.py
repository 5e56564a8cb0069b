"""docs/integrating.md stays true: its code is the tested examples' code, its names exist, its codes are complete."""

from __future__ import annotations

import re

from referee_shared import reasons
from referee_shared.settings import REPO_ROOT
from referee_shared.topics import ALL_TOPICS, all_topics_with_dead_letters

GUIDE = (REPO_ROOT / "docs" / "integrating.md").read_text(encoding="utf-8")
EXAMPLES = REPO_ROOT / "clients" / "python"


def python_blocks() -> list[tuple[str, str]]:
    """(example file, code) of every Python block that names the example it is taken from."""
    found = []
    for block in re.findall(r"```python\n(.*?)```", GUIDE, flags=re.DOTALL):
        first, _, code = block.partition("\n")
        assert first.startswith("# examples/"), f"a Python block must name its example file: {first!r}"
        found.append((first.removeprefix("# "), code))
    return found


def test_every_code_excerpt_is_verbatim_from_a_tested_example() -> None:
    blocks = python_blocks()
    assert len(blocks) >= 4
    for example, code in blocks:
        assert code in (EXAMPLES / example).read_text(encoding="utf-8"), f"excerpt no longer in {example}"


def test_every_topic_named_exists_and_every_external_topic_is_named() -> None:
    topics = {t.name for t in all_topics_with_dead_letters()} | {"deadletter.<service>"}
    event_types = {payload.event_type for topic in ALL_TOPICS for payload in topic.payloads}
    prefixes = "|".join(sorted({name.split(".")[0] for name in topics}))
    named = set(re.findall(rf"`((?:{prefixes})\.[a-z<>-]+)`", GUIDE)) - event_types
    assert named - topics == set()
    assert {t.name for t in ALL_TOPICS if t.external} - named == set()


def test_every_reason_code_of_a_decision_is_explained_and_every_code_named_exists() -> None:
    table = dict(re.findall(r"^\| (`[^|]+`) \| ([^|]+) \|$", GUIDE, flags=re.MULTILINE))
    explained = {code for cell in table for code in re.findall(r"`([a-z_]+)`", cell)}
    assert set(reasons.codes_on(reasons.LEAD_DECISION)) - explained == set()
    named = set(re.findall(r"`([a-z]+(?:_[a-z]+)+)`", GUIDE))
    codes_like = {n for n in named if n in reasons.BY_CODE or n.endswith(("_signature", "_producer", "_payload"))}
    assert codes_like - set(reasons.BY_CODE) == set()


def test_the_files_and_commands_named_exist() -> None:
    for path in re.findall(r"`((?:clients|docs|tests)/[\w./-]+)`", GUIDE):
        assert (REPO_ROOT / path.rstrip("/")).exists() or "*" in path, path
    for command in set(re.findall(r"referee (trust [a-z-]+|token [a-z]+|docs [a-z]+)", GUIDE)):
        group, name = command.split()
        module = {"trust": "trust", "token": "tokens", "docs": "docs"}[group]
        source = (REPO_ROOT / "cli" / "referee_cli" / f"{module}.py").read_text(encoding="utf-8")
        assert f'@app.command("{name}")' in source, command
