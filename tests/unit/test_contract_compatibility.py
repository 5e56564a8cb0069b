"""The published schemas keep their promises: integrators can tell events apart and rely on fields."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import jsonschema
import pytest

from referee_cli.docs import DEAD_LETTER_SCHEMA, DOCS, compatibility_problems, envelope_schema
from referee_shared.delivery import DELIVERY
from referee_shared.events.compatibility import breaking_changes
from referee_shared.events.envelope import envelope_json, new_envelope
from referee_shared.events.examples import example_of
from referee_shared.events.leads import LeadDecision, LeadSubmitted
from referee_shared.topics import ALL_TOPICS


def released(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((DOCS / "released" / "schemas" / name).read_text(encoding="utf-8"))
    return loaded


def payload_def(schema: dict[str, Any], name: str) -> dict[str, Any]:
    definition: dict[str, Any] = schema["$defs"][name]
    return definition


def test_the_current_schemas_keep_every_released_promise() -> None:
    assert compatibility_problems() == []


def test_removing_a_field_is_a_breaking_change() -> None:
    old = released("deal.closed.v1.json")
    new = copy.deepcopy(old)
    del payload_def(new, "DealClosed")["properties"]["currency"]
    assert breaking_changes(old, new) == ["$.payload.currency: field removed"]


def test_a_newly_required_field_is_a_breaking_change() -> None:
    old = released("deal.closed.v1.json")
    new = copy.deepcopy(old)
    payload_def(new, "DealClosed")["required"].append("owner_id")
    assert breaking_changes(old, new) == ["$.payload.owner_id: newly required"]


def test_a_narrowed_type_and_a_tightened_bound_are_breaking_changes() -> None:
    old = released("lead.submitted.v1.json")
    new = copy.deepcopy(old)
    customer = payload_def(new, "CustomerIdentity")["properties"]
    customer["name"]["maxLength"] = 50
    payload_def(new, "LeadSubmitted")["properties"]["estimated_amount"] = {"type": "string"}
    changes = breaking_changes(old, new)
    assert "$.payload.customer.name: maxLength tightened from 200 to 50" in changes
    assert any(c.startswith("$.payload.estimated_amount: type narrowed") for c in changes)


def test_removing_an_enum_value_is_a_breaking_change_and_adding_one_is_not() -> None:
    old = released("lead.decision.v1.json")
    removed, added = copy.deepcopy(old), copy.deepcopy(old)
    payload_def(removed, "DecisionOutcome")["enum"].remove("held")
    payload_def(added, "DecisionOutcome")["enum"].append("postponed")
    assert breaking_changes(old, removed) == ["$.payload.outcome: enum value(s) removed: ['held']"]
    assert breaking_changes(old, added) == []


def test_a_new_optional_field_is_compatible() -> None:
    old = released("lead.activity.v1.json")
    new = copy.deepcopy(old)
    payload_def(new, "LeadActivity")["properties"]["mood"] = {"type": "string", "default": None}
    assert breaking_changes(old, new) == []


def test_a_released_version_that_disappears_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    import referee_cli.docs as docs

    monkeypatch.setattr(docs, "render_schemas", lambda: {})
    assert any("lead.submitted.v1.json: a released event version is gone" in p for p in docs.compatibility_problems())


@pytest.mark.parametrize(
    "payload", [p for t in ALL_TOPICS if t.external for p in t.payloads], ids=lambda p: p.event_type
)
def test_each_schema_accepts_its_own_example_and_refuses_another_event_type(payload: Any) -> None:
    schema = envelope_schema(payload)
    example = example_of(payload)
    assert example is not None
    message = json.loads(envelope_json(new_envelope(example, producer="portal", occurred_at=datetime.now(UTC))))
    jsonschema.validate(message, schema)

    other = LeadDecision if payload is not LeadDecision else LeadSubmitted
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**message, "type": other.event_type}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**message, "schema_version": payload.schema_version + 1}, schema)


def test_the_dead_letter_record_has_a_published_schema() -> None:
    schema = json.loads((DOCS / DEAD_LETTER_SCHEMA).read_text(encoding="utf-8"))
    assert {"consumer", "reason", "source_topic", "partition", "offset"} <= set(schema["required"])


def test_every_topic_says_when_it_publishes_and_what_order_holds() -> None:
    assert set(DELIVERY) == {topic.name for topic in ALL_TOPICS}
    assert all(d.when and d.order for d in DELIVERY.values())
