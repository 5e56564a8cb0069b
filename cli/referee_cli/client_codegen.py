"""The client kits' types, generated from the published JSON Schemas and the topic registry.

One walk over the schemas writes both ``clients/python/referee_client/contract.py`` (pydantic models)
and ``clients/typescript/src/contract.ts`` (TypeScript types), so a topic or field added to the contract
reaches both kits with ``referee docs generate``; a test keeps the committed files equal to the output.
Readers' models ignore fields they do not know (a compatible change adds optional fields).
"""

from __future__ import annotations

import json
import keyword
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from referee_shared import reasons
from referee_shared.settings import REPO_ROOT
from referee_shared.topics import ALL_TOPICS

PYTHON_CONTRACT = REPO_ROOT / "clients" / "python" / "referee_client" / "contract.py"
TYPESCRIPT_CONTRACT = REPO_ROOT / "clients" / "typescript" / "src" / "contract.ts"

Schema = Mapping[str, Any]


@dataclass(frozen=True)
class Event:
    event_type: str
    version: int
    payload: str
    """the payload definition's name"""


def _ref_name(schema: Schema) -> str:
    return str(schema["$ref"]).rsplit("/", 1)[-1]


class _Definitions:
    """Every named definition of every schema, once; the same name must mean the same thing everywhere."""

    def __init__(self) -> None:
        self.items: dict[str, Schema] = {}

    def add(self, name: str, schema: Schema, source: str) -> None:
        known = self.items.get(name)
        if known is not None and known != schema:
            raise ValueError(f"{source}: definition {name} differs from another schema's; rename one of them")
        self.items[name] = schema


def _collect(schemas: Mapping[str, Schema]) -> tuple[_Definitions, list[Event]]:
    definitions, events = _Definitions(), []
    for source, schema in sorted(schemas.items()):
        for name, definition in schema.get("$defs", {}).items():
            definitions.add(name, definition, source)
        if source.endswith("deadletter.v1.json"):
            definitions.add("DeadLetter", {k: v for k, v in schema.items() if k != "$defs"}, source)
            continue
        properties = schema["properties"]
        payload = _ref_name(properties["payload"])
        events.append(Event(properties["type"]["const"], properties["schema_version"]["const"], payload))
    return definitions, events


def _nullable(schema: Schema) -> tuple[Schema, bool]:
    branches = schema.get("anyOf")
    if branches and any(b.get("type") == "null" for b in branches):
        real = [b for b in branches if b.get("type") != "null"]
        if len(real) == 1:
            merged = {**real[0], **{k: v for k, v in schema.items() if k in ("enum",)}}
            return merged, True
        return {**schema, "anyOf": real}, True
    return schema, False


def _values(schema: Schema) -> list[Any] | None:
    if "const" in schema:
        return [schema["const"]]
    if "enum" in schema:
        return [v for v in schema["enum"] if v is not None]
    return None


# ---------------------------------------------------------------- Python


def _py_type(schema: Schema) -> str:
    schema, nullable = _nullable(schema)
    text = _py_plain(schema)
    return f"{text} | None" if nullable and text != "Any" else text


def _py_plain(schema: Schema) -> str:
    if "$ref" in schema:
        return _ref_name(schema)
    values = _values(schema)
    if values is not None:
        return f"Literal[{', '.join(json.dumps(v) for v in values)}]"
    if "anyOf" in schema:
        kinds = {b.get("type") for b in schema["anyOf"]}
        if kinds == {"number", "string"}:
            return "Decimal"
        return " | ".join(_py_plain(b) for b in schema["anyOf"])
    kind, fmt = schema.get("type"), schema.get("format")
    if kind == "string":
        return {"uuid": "UUID", "date-time": "AwareDatetime", "date": "date"}.get(fmt or "", "str")
    if kind == "array":
        return f"list[{_py_type(schema.get('items', {}))}]"
    if kind == "object":
        extra = schema.get("additionalProperties", True)
        value = _py_type(extra) if isinstance(extra, dict) else "Any"
        return f"dict[str, {value}]"
    return {"integer": "int", "number": "float", "boolean": "bool", "null": "None"}.get(str(kind), "Any")


def _py_default(schema: Schema, required: bool) -> str:
    if required:
        return ""
    if "default" not in schema:
        return " = None"
    default = schema["default"]
    if isinstance(default, list | dict):
        return f" = Field(default_factory={type(default).__name__})"
    return f" = {default!r}"


def _py_field_name(name: str) -> str:
    return f"{name}_" if keyword.iskeyword(name) else name


def _python_class(name: str, schema: Schema) -> list[str]:
    if "enum" in schema and "properties" not in schema:
        return [f"{name} = Literal[{', '.join(json.dumps(v) for v in schema['enum'])}]", ""]
    lines = [f"class {name}(_Model):"]
    doc = schema.get("description")
    if doc:
        lines.append(f"    {json.dumps(doc, ensure_ascii=False)}")
    required = set(schema.get("required", ()))
    for field, spec in schema.get("properties", {}).items():
        annotation = _py_type(spec)
        if field not in required and "None" not in annotation and "default" not in spec:
            annotation += " | None"
        lines.append(f"    {_py_field_name(field)}: {annotation}{_py_default(spec, field in required)}")
    if len(lines) == 1:
        lines.append("    pass")
    return [*lines, ""]


def _ordered(definitions: _Definitions) -> list[str]:
    """Definitions before their users, so the module needs no forward references."""
    done: list[str] = []

    def refs(schema: Any) -> list[str]:
        if isinstance(schema, dict):
            found = [_ref_name(schema)] if "$ref" in schema else []
            return found + [r for k, v in schema.items() if k not in ("if", "then") for r in refs(v)]
        if isinstance(schema, list):
            return [r for item in schema for r in refs(item)]
        return []

    def visit(name: str) -> None:
        if name in done:
            return
        for dependency in refs(definitions.items[name]):
            if dependency != name:
                visit(dependency)
        done.append(name)

    for name in sorted(definitions.items):
        visit(name)
    return done


def render_python(schemas: Mapping[str, Schema]) -> str:
    definitions, events = _collect(schemas)
    lines = [
        '"""The Referee event contract as pydantic models: generated by `referee docs generate` from',
        "docs/schemas and shared/referee_shared/topics.py and reasons.py; do not edit by hand.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "from dataclasses import dataclass",
        "from datetime import date",
        "from decimal import Decimal",
        "from typing import Any, ClassVar, Literal",
        "from uuid import UUID",
        "",
        "from pydantic import AwareDatetime, BaseModel, ConfigDict, Field",
        "",
        "",
        "class _Model(BaseModel):",
        '    """Readers ignore fields they do not know: a compatible release may add optional ones."""',
        "",
        '    model_config = ConfigDict(extra="ignore")',
        "",
        "",
    ]
    for name in _ordered(definitions):
        block = _python_class(name, definitions.items[name])
        lines += [*block, ""] if block[0].startswith("class") else block
    lines += _python_envelopes(events)
    lines += _python_topics()
    lines += _python_reasons()
    return "\n".join(lines).rstrip() + "\n"


def _python_envelopes(events: list[Event]) -> list[str]:
    lines = [
        "class Envelope(_Model):",
        '    """Identity, type, version, time and provenance of one message, around its payload."""',
        "",
        "    event_type: ClassVar[str]",
        "    version: ClassVar[int]",
        "",
        "    event_id: UUID",
        "    type: str",
        "    schema_version: int",
        "    occurred_at: AwareDatetime",
        "    producer: str",
        "    correlation_id: str",
        "    payload: Any",
        "    signature: str | None = None",
        "",
        "",
    ]
    for event in events:
        lines += [
            f"class {event.payload}Event(Envelope):",
            f"    event_type: ClassVar[str] = {json.dumps(event.event_type)}",
            f"    version: ClassVar[int] = {event.version}",
            f"    type: Literal[{json.dumps(event.event_type)}]",
            f"    schema_version: Literal[{event.version}]",
            f"    payload: {event.payload}",
            "",
            "",
        ]
    lines += ["EVENTS: dict[tuple[str, int], type[Envelope]] = {"]
    lines += [f"    ({json.dumps(e.event_type)}, {e.version}): {e.payload}Event," for e in events]
    lines += ["}", "PAYLOAD_EVENTS: dict[type[BaseModel], type[Envelope]] = {"]
    lines += [f"    {e.payload}: {e.payload}Event," for e in events]
    return [*lines, "}", "", ""]


def _python_topics() -> list[str]:
    lines = [
        "@dataclass(frozen=True)",
        "class TopicInfo:",
        "    name: str",
        "    key: str",
        '    """the payload field whose value is the message key"""',
        "    direction: str",
        "    event_types: tuple[str, ...]",
        "",
        "",
        "TOPICS: dict[str, TopicInfo] = {",
    ]
    for topic in ALL_TOPICS:
        if not topic.external:
            continue
        kinds = ", ".join(json.dumps(p.event_type) for p in topic.payloads)
        lines.append(
            f"    {json.dumps(topic.name)}: TopicInfo({json.dumps(topic.name)}, {json.dumps(topic.key)}, "
            f"{json.dumps(topic.direction)}, ({kinds},)),"
        )
    return [*lines, "}", "", ""]


def _python_reasons() -> list[str]:
    lines = [
        "@dataclass(frozen=True)",
        "class ReasonText:",
        "    zh: str",
        "    en: str",
        "    carried_by: tuple[str, ...]",
        "",
        "",
        "REASONS: dict[str, ReasonText] = {",
    ]
    for r in reasons.REASONS:
        lines.append(
            f"    {json.dumps(r.code)}: ReasonText({json.dumps(r.zh, ensure_ascii=False)}, {json.dumps(r.en)}, "
            f"({''.join(json.dumps(f) + ', ' for f in r.on).rstrip()})),"
        )
    return [*lines, "}"]


# ---------------------------------------------------------------- TypeScript


def _ts_type(schema: Schema) -> str:
    schema, nullable = _nullable(schema)
    text = _ts_plain(schema)
    return f"{text} | null" if nullable else text


def _ts_plain(schema: Schema) -> str:
    if "$ref" in schema:
        return _ref_name(schema)
    values = _values(schema)
    if values is not None:
        return " | ".join(json.dumps(v) for v in values)
    if "anyOf" in schema:
        return " | ".join(_ts_plain(b) for b in schema["anyOf"])
    kind = schema.get("type")
    if kind == "array":
        inner = _ts_type(schema.get("items", {}))
        return f"({inner})[]" if "|" in inner else f"{inner}[]"
    if kind == "object":
        extra = schema.get("additionalProperties", True)
        return f"{{ [key: string]: {_ts_type(extra) if isinstance(extra, dict) else 'unknown'} }}"
    return {"string": "string", "integer": "number", "number": "number", "boolean": "boolean", "null": "null"}.get(
        str(kind), "unknown"
    )


def _ts_definition(name: str, schema: Schema) -> list[str]:
    if "enum" in schema and "properties" not in schema:
        return [f"export type {name} = {' | '.join(json.dumps(v) for v in schema['enum'])};", ""]
    lines = []
    if schema.get("description"):
        lines.append(f"/** {schema['description']} */")
    lines.append(f"export interface {name} {{")
    required = set(schema.get("required", ()))
    for field, spec in schema.get("properties", {}).items():
        if spec.get("description"):
            lines.append(f"  /** {spec['description']} */")
        optional = "" if field in required else "?"
        lines.append(f"  {field}{optional}: {_ts_type(spec)};")
    return [*lines, "}", ""]


def render_typescript(schemas: Mapping[str, Schema]) -> str:
    definitions, events = _collect(schemas)
    lines = [
        "// The Referee event contract as TypeScript types: generated by `referee docs generate` from docs/schemas",
        "// and shared/referee_shared/topics.py and reasons.py; do not edit by hand.",
        "",
        '/** Money travels as a decimal string ("1200000.00"); a number is accepted on input. */',
        "",
    ]
    for name in _ordered(definitions):
        lines += _ts_definition(name, definitions.items[name])
    lines += [
        "/** Identity, type, version, time and provenance of one message, around its payload. */",
        "export interface Envelope<T extends string, V extends number, P> {",
        "  event_id: string;",
        "  type: T;",
        "  schema_version: V;",
        "  occurred_at: string;",
        "  producer: string;",
        "  correlation_id: string;",
        "  payload: P;",
        "  signature?: string | null;",
        "}",
        "",
    ]
    for e in events:
        lines.append(f"export type {e.payload}Event = Envelope<{json.dumps(e.event_type)}, {e.version}, {e.payload}>;")
    lines += ["", "/** The events each external topic carries. */", "export interface TopicEvents {"]
    for topic in ALL_TOPICS:
        if topic.external:
            union = " | ".join(f"{p.__name__}Event" for p in topic.payloads)
            lines.append(f"  {json.dumps(topic.name)}: {union};")
    lines += ["}", "", "export const TOPICS = {"]
    for topic in ALL_TOPICS:
        if topic.external:
            kinds = ", ".join(json.dumps(p.event_type) for p in topic.payloads)
            lines.append(
                f"  {json.dumps(topic.name)}: {{ key: {json.dumps(topic.key)}, direction: "
                f"{json.dumps(topic.direction)}, eventTypes: [{kinds}] }},"
            )
    lines += ["} as const;", "", "export type TopicName = keyof typeof TOPICS;", "", "export const REASONS = {"]
    for r in reasons.REASONS:
        fields = ", ".join(json.dumps(f) for f in r.on)
        lines.append(
            f"  {r.code}: {{ zh: {json.dumps(r.zh, ensure_ascii=False)}, en: {json.dumps(r.en)}, "
            f"carriedBy: [{fields}] }},"
        )
    lines += ["} as const;", "", "export type ReasonCode = keyof typeof REASONS;", ""]
    return "\n".join(lines)
