"""Every reason code the services can emit is in the catalogue, and the schemas list them all."""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from referee_cli.docs import DOCS, envelope_schema, render_schemas, schema_file
from referee_shared import reasons
from referee_shared.events.catalog import UndecodableMessage, decode
from referee_shared.events.compatibility import breaking_changes
from referee_shared.events.deals import DealClosed
from referee_shared.events.leads import LeadTransitioned
from referee_shared.kafka.deadletter import DeadLetter
from referee_shared.settings import REPO_ROOT
from referee_shared.topics import LEADS_SUBMITTED

# Where a code is written in the services' code: the callee and the position of its code argument.
CODE_ARGUMENT = {
    "Refusal": 0,
    "refusal": 0,
    "refused": 0,
    "Refused": 0,
    "_escalate": 0,
    "GateDecision": 1,
    "Decision": 2,
    "_decide": 3,
    "UndecodableMessage": 1,
    "Unprocessable": 1,
    "NotYet": 1,
}
CODE_NAMES = {"reason_code", "code"}


def _constants(tree: ast.Module) -> dict[str, str]:
    return {
        target.id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
        for target in node.targets
        if isinstance(target, ast.Name)
    }


def emitted_codes(roots: tuple[str, ...] = ("services", "shared")) -> dict[str, str]:
    """Every string the code passes as a reason code, with one place it is written."""
    found: dict[str, str] = {}
    for root in roots:
        for path in sorted((REPO_ROOT / root).rglob("*.py")):
            if "migrations" in path.parts or path.name == "reasons.py":
                continue
            if "console" in path.parts:  # it publishes nothing: its refusals are page texts, not contract codes
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            constants = _constants(tree)
            for node, value in _code_nodes(tree):
                text = value.value if isinstance(value, ast.Constant) else None
                if isinstance(value, ast.Name):
                    text = constants.get(value.id)
                if isinstance(text, str):
                    found.setdefault(text, f"{path.relative_to(REPO_ROOT)}:{node.lineno}")
    return found


def _code_nodes(tree: ast.Module) -> Iterator[tuple[ast.stmt | ast.expr, ast.expr]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            position = CODE_ARGUMENT.get(name or "")
            if position is not None and len(node.args) > position:
                yield node, node.args[position]
            yield from ((node, k.value) for k in node.keywords if k.arg in CODE_NAMES)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            arguments = node.args.args + node.args.kwonlyargs
            defaults = [*([None] * (len(node.args.args) - len(node.args.defaults))), *node.args.defaults]
            defaults += node.args.kw_defaults
            for argument, default in zip(arguments, defaults, strict=True):
                if argument.arg in CODE_NAMES and default is not None:
                    yield node, default


def test_every_reason_code_the_services_emit_is_catalogued() -> None:
    emitted = emitted_codes()
    missing = {code: where for code, where in emitted.items() if code not in reasons.BY_CODE}
    assert missing == {}, "add these to shared/referee_shared/reasons.py"
    # The scan sees every family: a scan that found nothing could not fail.
    for code in ("first_valid_claim", "tier_channel", "not_qualified", "not_involved", "bad_signature", "not_json"):
        assert code in emitted


def test_every_catalogued_code_is_emitted_somewhere() -> None:
    assert set(reasons.BY_CODE) - set(emitted_codes()) == set()


def test_the_scan_catches_a_code_nobody_catalogued(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tests.unit.test_reason_catalogue as me

    (tmp_path / "services").mkdir()
    (tmp_path / "services" / "new_rule.py").write_text(
        'def check():\n    return Refusal("made_up_code", "a new rule nobody catalogued")\n', encoding="utf-8"
    )
    monkeypatch.setattr(me, "REPO_ROOT", tmp_path)
    assert emitted_codes(("services",)) == {"made_up_code": "services/new_rule.py:2"}
    assert "made_up_code" not in reasons.BY_CODE


def test_every_code_has_chinese_and_english_text_and_a_field() -> None:
    for reason in reasons.REASONS:
        assert reason.zh, reason.code
        assert reason.en, reason.code
        assert reason.on, reason.code
        assert any("\u4e00" <= ch <= "\u9fff" for ch in reason.zh), reason.code


@pytest.mark.parametrize(
    ("schema", "definition", "field", "catalogue_field"),
    [
        ("lead.decision.v1.json", "LeadDecision", "reason_code", reasons.LEAD_DECISION),
        ("dedup.verdict.v1.json", "DedupVerdict", "reason_code", reasons.DEDUP_VERDICT),
        ("qualification.verdict.v1.json", "QualificationVerdict", "reason_code", reasons.QUALIFICATION_VERDICT),
    ],
)
def test_the_published_schemas_enumerate_the_catalogue(
    schema: str, definition: str, field: str, catalogue_field: str
) -> None:
    published = json.loads((DOCS / "schemas" / schema).read_text(encoding="utf-8"))
    assert published["$defs"][definition]["properties"][field]["enum"] == reasons.codes_on(catalogue_field)
    dead = json.loads((DOCS / "schemas" / "deadletter.v1.json").read_text(encoding="utf-8"))
    assert dead["properties"]["reason_code"]["enum"] == reasons.codes_on(reasons.DEAD_LETTER)


def test_the_status_vocabularies_are_the_services_own() -> None:
    from referee_qualification.domain.status import QualificationStatus
    from referee_registration.domain.lifecycle import LeadStatus
    from referee_registration.partners.domain import PartnerStatus
    from referee_settlement.domain.payments import LineStatus
    from referee_settlement.domain.states import DealStatus, StatementStatus

    assert tuple(LeadStatus) == reasons.LEAD_STATUSES
    assert tuple(QualificationStatus) == reasons.QUALIFICATION_STATUSES
    assert tuple(PartnerStatus) == reasons.PARTNER_STATUSES
    assert tuple(LineStatus) == reasons.PAYMENT_STATUSES
    assert tuple(StatementStatus) == reasons.STATEMENT_STATUSES
    assert tuple(DealStatus) == reasons.DEAL_STATUSES
    schema = envelope_schema(LeadTransitioned)["$defs"]["LeadTransitioned"]["properties"]
    assert schema["to_status"]["enum"] == list(LeadStatus)
    assert schema["from_status"]["enum"] == [*LeadStatus, None]


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (None, "tombstone"),
        (b"\xff{", "not_json"),
        (b"[1]", "not_an_object"),
        (b'{"type": "lead.teleported", "schema_version": 1}', "unknown_type"),
        (b'{"type": "lead.submitted", "schema_version": 9}', "unknown_version"),
        (b'{"type": "lead.submitted", "schema_version": 1, "payload": {}}', "invalid_payload"),
    ],
)
def test_an_undecodable_message_names_its_catalogued_code(raw: bytes | None, code: str) -> None:
    with pytest.raises(UndecodableMessage) as refused:
        decode(LEADS_SUBMITTED, raw)
    assert refused.value.code == code
    assert code in reasons.codes_on(reasons.DEAD_LETTER)


def test_a_dead_letter_carries_its_code() -> None:
    from datetime import UTC, datetime

    letter = DeadLetter.of(
        consumer="registration",
        reason="bad_signature: not signed",
        reason_code="bad_signature",
        failed_at=datetime(2026, 3, 2, tzinfo=UTC),
        topic="leads.submitted",
        partition=0,
        offset=7,
        key=b"k",
        value=b"{}",
        headers={},
    )
    assert json.loads(letter.model_dump_json())["reason_code"] == "bad_signature"


def task_id_shapes() -> dict[str, str]:
    """Every f-string the services make a task id with, as a shape (``dup-<>``), with where it is written."""
    found: dict[str, str] = {}
    for path in sorted((REPO_ROOT / "services").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            value: ast.expr | None = None
            names = ("task_id", "review_task_id")
            if (isinstance(node, ast.keyword) and node.arg in names) or (
                isinstance(node, ast.Assign)
                and any(getattr(t, "id", getattr(t, "attr", None)) in names for t in node.targets)
            ):
                value = node.value
            elif isinstance(node, ast.FunctionDef) and node.name == "task_id":
                value = next((n.value for n in ast.walk(node) if isinstance(n, ast.Return)), None)
            if isinstance(value, ast.JoinedStr):
                shape = "".join(str(v.value) if isinstance(v, ast.Constant) else "<>" for v in value.values)
                found[shape] = f"{path.relative_to(REPO_ROOT)}:{getattr(node, 'lineno', 0)}"
    return found


def test_every_task_id_the_services_make_has_its_documented_format() -> None:
    from referee_shared.events.tasks import TASK_ID_FORMATS

    documented = {re.sub(r"<[^>]*>", "<>", shape) for shape in TASK_ID_FORMATS.values()}
    made = task_id_shapes()
    assert set(made) == documented, made


def _won_deal(**dropped: Any) -> dict[str, Any]:
    schema = envelope_schema(DealClosed)
    payload = {
        "deal_id": "D-1",
        "lead_id": "0b7c52f4-3f1a-4bd8-9c51-8a3e0f7a1d11",
        "outcome": "won",
        "amount": "1200000.00",
        "closed_at": "2026-03-02T09:30:00Z",
        "product_line": "imaging",
        "owner_id": "P-1",
        "owner_channel": "dealer",
    }
    for name in dropped:
        payload.pop(name)
    document = {
        "event_id": "8c1f6a2e-0d3b-4c5a-9e7f-1a2b3c4d5e6f",
        "type": "deal.closed",
        "schema_version": 1,
        "occurred_at": "2026-03-02T09:30:00Z",
        "producer": "erp",
        "correlation_id": "c-1",
        "payload": payload,
    }
    jsonschema.validate(document, schema)
    return document


def test_a_won_deal_without_its_owner_fails_the_schema_and_a_lost_one_needs_none() -> None:
    _won_deal()
    with pytest.raises(jsonschema.ValidationError, match="owner_id"):
        _won_deal(owner_id=True)
    lost = _won_deal()
    lost["payload"] = {**lost["payload"], "outcome": "lost"}
    for name in ("product_line", "owner_id", "owner_channel"):
        del lost["payload"][name]
    jsonschema.validate(lost, envelope_schema(DealClosed))


def test_listing_the_values_of_an_open_field_breaks_only_what_partners_write() -> None:
    open_field = {"type": "object", "properties": {"reason_code": {"type": "string"}}}
    listed = {"type": "object", "properties": {"reason_code": {"type": "string", "enum": ["duplicate"]}}}
    assert breaking_changes(open_field, listed) == ["$.reason_code: now restricted to ['duplicate']"]
    assert breaking_changes(open_field, listed, written_by_referee=True) == []


def test_every_payload_of_the_registry_has_a_schema() -> None:
    from referee_shared.topics import ALL_TOPICS

    files = render_schemas()
    assert all(schema_file(p) in files for t in ALL_TOPICS for p in t.payloads)
