"""A rule set version is a rule of the game: only a service's signed upload changes the rules; a forged version
published on rules.versions is dead-lettered by every service and decides nothing."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import yaml

from referee_shared.auth import Role
from referee_shared.events.rules import RuleVersionPublished
from referee_shared.kafka.deadletter import DeadLetter
from referee_shared.rules.ruleset import RuleSet
from referee_shared.services import SERVICE_NAMES
from referee_shared.topics import RULES_VERSIONS, dead_letter_topic

from ..builders import envelope
from ..stack import Seen, Stack
from .test_message_attacks import forged_as


def next_version(stack: Stack, rule_set: str, version: int) -> RuleSet:
    """A version of a running rule set, effective tomorrow."""
    [current] = [r for r in stack.runtimes["registration"][0].rules.rule_sets if r.id == rule_set][-1:]
    document = current.model_dump(mode="json")
    document.update(version=version, effective_from=(datetime.now(UTC) + timedelta(days=1)).isoformat())
    return RuleSet.model_validate(document)


def keyed(key: str) -> Callable[[Seen], bool]:
    return lambda seen: seen.key == key.encode()


def versions_known(stack: Stack, service: str, rule_set: str) -> set[int]:
    return {r.version for r in stack.runtimes[service][0].rules.rule_sets if r.id == rule_set}


async def test_an_uploaded_version_is_signed_by_the_service_that_took_it_and_every_service_takes_it(
    guarded: Stack,
) -> None:
    rules = next_version(guarded, "industrial-goods", 2)
    async with guarded.http("qualification", guarded.token(Role.ADMIN, "channel-manager")) as http:
        answer = await http.post(
            "/admin/rules/versions",
            json={"document": yaml.safe_dump(rules.model_dump(mode="json"), allow_unicode=True),
                  "reason": "tiers move up next quarter"},
        )  # fmt: skip
    assert answer.status_code == 201, answer.text
    [published] = await guarded.events(RULES_VERSIONS, lambda e: e.payload.rule_set["version"] == 2)
    assert published.producer == "qualification"
    assert published.signature is not None
    for _ in range(100):
        if all(2 in versions_known(guarded, service, "industrial-goods") for service in SERVICE_NAMES):
            break
        await asyncio.sleep(0.1)
    assert {s: 2 in versions_known(guarded, s, "industrial-goods") for s in SERVICE_NAMES} == dict.fromkeys(
        SERVICE_NAMES, True
    )


async def test_a_forged_rule_version_is_dead_lettered_by_every_service_and_never_applied(guarded: Stack) -> None:
    def version(number: int) -> RuleVersionPublished:
        rules = next_version(guarded, "building-materials", number)
        document = rules.model_dump(mode="json")
        document["protection"]["period_days"] = 3650  # a ten-year lock for whoever registers first
        return RuleVersionPublished(
            rule_set=document,
            uploaded_by="channel-manager",
            reason="a longer protection",
            uploaded_at=datetime.now(UTC),
        )

    # claiming to be registration, signed with the portal gateway's key; and from an unregistered producer
    as_registration = forged_as(guarded, envelope(version(41), producer="registration"), "partner-portal")
    await guarded.publish(RULES_VERSIONS, as_registration, key="building-materials@41", signed=False)
    await guarded.publish(RULES_VERSIONS, envelope(version(42), producer="admin"), key="building-materials@42")
    assert guarded.watcher is not None
    for service in SERVICE_NAMES:
        for key, code in (("building-materials@41", "bad_signature"), ("building-materials@42", "unknown_producer")):
            [seen] = await guarded.watcher.wait_for(guarded.topic(dead_letter_topic(service)), keyed(key))
            letter = DeadLetter.model_validate_json(seen.value)
            assert (letter.consumer, letter.reason_code, letter.source_topic) == (
                service,
                code,
                guarded.topic(RULES_VERSIONS),
            )
        assert not versions_known(guarded, service, "building-materials") & {41, 42}
