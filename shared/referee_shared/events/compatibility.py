"""Whether a payload schema may replace a released one under the same type and schema version.

A change is breaking when a message valid under the released schema would be refused under the new
one, or when a reader could no longer rely on what it relied on: a field removed, a field newly
required, a type narrowed, an enum value removed, a bound tightened, extra fields newly forbidden.
An open string newly restricted to listed values is breaking only where partners write the event: on
what Referee alone writes it is a promise to readers, who received those values already. Such a change
needs a new schema version (a new payload class); the old version stays accepted and produced for the
deprecation period (docs/contract.md). Plain JSON in, plain strings out.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

Schema = Mapping[str, Any]

_NARROWING_BOUNDS = {"maxLength": "max", "maxItems": "max", "maximum": "max", "minLength": "min", "minItems": "min"}
_NARROWING_BOUNDS |= {"minimum": "min", "exclusiveMinimum": "min", "exclusiveMaximum": "max"}


def breaking_changes(released: Schema, current: Schema, *, written_by_referee: bool = False) -> list[str]:
    """Every breaking difference from ``released`` to ``current``, each naming the JSON path.

    ``written_by_referee``: only Referee's services write this event, so listing the values of an open
    field tells readers more and breaks nothing."""
    changes = _compare(released, released, current, current, "$", set())
    return [c for c in changes if not (written_by_referee and _RESTRICTED in c)]


_RESTRICTED = ": now restricted to "


def _resolve(schema: Schema, root: Schema) -> Schema:
    while "$ref" in schema:
        name = str(schema["$ref"]).rsplit("/", 1)[-1]
        siblings = {k: v for k, v in schema.items() if k != "$ref"}
        schema = {**root.get("$defs", {})[name], **siblings}
    return schema


def _types(schema: Schema, root: Schema) -> set[str]:
    """The JSON types a schema admits ("any" when it does not say)."""
    schema = _resolve(schema, root)
    if "const" in schema:
        return {_json_type(schema["const"])}
    branches = schema.get("anyOf") or schema.get("oneOf")
    if branches:
        return set().union(*(_types(branch, root) for branch in branches))
    declared = schema.get("type")
    if declared is None:
        return (
            {"object"}
            if "properties" in schema
            else ({_json_type(v) for v in schema["enum"]} if "enum" in schema else {"any"})
        )
    names = {declared} if isinstance(declared, str) else set(declared)
    return names | ({"integer"} if "number" in names else set())


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "null" if value is None else ("array" if isinstance(value, list) else "object")


def _values(schema: Schema, root: Schema) -> set[Any] | None:
    """The closed set of values a schema admits (enum or const), None when open."""
    schema = _resolve(schema, root)
    if "const" in schema:
        return {schema["const"]}
    if "enum" in schema:
        return set(schema["enum"])
    branches = schema.get("anyOf") or schema.get("oneOf")
    if branches:
        sets = [_values(branch, root) for branch in branches]
        if all(s is not None for s in sets):
            return set().union(*(s for s in sets if s is not None))
    return None


def _single_non_null(schema: Schema, root: Schema) -> Schema:
    """The one non-null branch of an optional field (``X | None``), or the schema itself."""
    schema = _resolve(schema, root)
    branches = schema.get("anyOf") or schema.get("oneOf")
    if branches:
        real = [b for b in branches if _resolve(b, root).get("type") != "null"]
        if len(real) == 1:
            return _resolve(real[0], root)
    return schema


def _compare(
    old: Schema, old_root: Schema, new: Schema, new_root: Schema, path: str, seen: set[tuple[int, int]]
) -> Iterator[str]:
    old, new = _resolve(old, old_root), _resolve(new, new_root)
    if (id(old), id(new)) in seen:
        return
    seen.add((id(old), id(new)))

    old_types, new_types = _types(old, old_root), _types(new, new_root)
    if "any" not in new_types and not old_types <= new_types:
        yield f"{path}: type narrowed from {sorted(old_types)} to {sorted(new_types)}"
    old_values, new_values = _values(old, old_root), _values(new, new_root)
    if new_values is not None:
        if old_values is None:
            yield f"{path}{_RESTRICTED}{sorted(map(str, new_values))}"
        elif old_values - new_values:
            yield f"{path}: enum value(s) removed: {sorted(map(str, old_values - new_values))}"

    old_one, new_one = _single_non_null(old, old_root), _single_non_null(new, new_root)
    yield from _bounds(old_one, new_one, path)
    yield from _properties(old_one, old_root, new_one, new_root, path, seen)
    if "items" in old_one and "items" in new_one:
        yield from _compare(old_one["items"], old_root, new_one["items"], new_root, f"{path}[]", seen)


def _bounds(old: Schema, new: Schema, path: str) -> Iterator[str]:
    for keyword, kind in _NARROWING_BOUNDS.items():
        if keyword not in new:
            continue
        before, after = old.get(keyword), new[keyword]
        if before is None or (after < before if kind == "max" else after > before):
            yield f"{path}: {keyword} tightened from {before} to {after}"
    if "pattern" in new and old.get("pattern") != new["pattern"]:
        yield f"{path}: pattern changed from {old.get('pattern')!r} to {new['pattern']!r}"


def _properties(
    old: Schema, old_root: Schema, new: Schema, new_root: Schema, path: str, seen: set[tuple[int, int]]
) -> Iterator[str]:
    old_props, new_props = old.get("properties", {}), new.get("properties", {})
    for name in old_props:
        if name not in new_props:
            yield f"{path}.{name}: field removed"
    for name in sorted(set(new.get("required", ())) - set(old.get("required", ()))):
        yield f"{path}.{name}: newly required"
    if old.get("additionalProperties", True) is not False and new.get("additionalProperties", True) is False:
        yield f"{path}: extra fields are now refused"
    for name, schema in old_props.items():
        if name in new_props:
            yield from _compare(schema, old_root, new_props[name], new_root, f"{path}.{name}", seen)
