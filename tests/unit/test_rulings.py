"""Which rulings a service acts on (shared by registration and settlement): an open dispute, a ruling arbitration
announced, an arbiter who is not a party, a lead held by a party and a transfer to a party."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from referee_shared.events.common import Channel
from referee_shared.events.disputes import DisputeProgressed, DisputeRuling, DisputeStep, RulingOutcome
from referee_shared.rulings import OPEN, REFUSED, hear, ruling_refusal

DISPUTE = uuid.uuid4()
PARTIES = ["dealer-shaoxing", "dealer-hangzhou"]


@dataclass
class Heard:
    status: str = OPEN
    parties: list[Any] = field(default_factory=list)
    rulings: list[Any] = field(default_factory=list)


def step(kind: DisputeStep, *, parties: list[str] = PARTIES, actor: str = "arbitration") -> DisputeProgressed:
    ruled = kind is DisputeStep.RULED
    return DisputeProgressed(
        dispute_id=DISPUTE, step=kind, at=datetime.now(UTC), parties=parties, actor=actor, summary=kind.value,
        level=2 if ruled else 1, outcome=RulingOutcome.TRANSFERRED if ruled else None, final=ruled,
    )  # fmt: skip


def ruling(*, by: str = "hq-arbiter", to: str = "dealer-shaoxing") -> DisputeRuling:
    return DisputeRuling(
        dispute_id=DISPUTE, outcome=RulingOutcome.TRANSFERRED, reason="the claimant visited first", decided_by=by,
        level=2, lead_id=uuid.uuid4(), new_holder_id=to, new_holder_channel=Channel.DEALER,
        rule_set="building-materials", rule_version=1, evidence_digest="ab" * 32, decided_at=datetime.now(UTC),
    )  # fmt: skip


def heard(*steps: DisputeProgressed) -> Heard:
    dispute = Heard()
    for one in steps:
        hear(dispute, one)
    return dispute


def code(dispute: Heard | None, decided: DisputeRuling, holder: str | None = "dealer-hangzhou") -> str | None:
    refused = ruling_refusal(dispute, decided, holder)
    return refused.code if refused else None


def test_a_ruling_announced_on_an_open_dispute_by_an_outside_arbiter_is_acted_on() -> None:
    ruled = heard(step(DisputeStep.OPENED), step(DisputeStep.RULED, actor="hq-arbiter"))
    assert code(ruled, ruling()) is None


def test_a_made_up_or_unannounced_ruling_waits_then_is_refused() -> None:
    made_up = ruling_refusal(None, ruling(), "dealer-hangzhou")
    assert made_up is not None
    assert (made_up.code, made_up.later) == ("unknown_dispute", True)
    unannounced = ruling_refusal(heard(step(DisputeStep.OPENED)), ruling(), "dealer-hangzhou")
    assert unannounced is not None
    assert (unannounced.code, unannounced.later) == ("ruling_not_announced", True)


def test_a_refused_dispute_a_party_ruling_an_outsider_holder_or_an_outsider_new_holder_is_refused_at_once() -> None:
    refused = heard(step(DisputeStep.REFUSED, parties=["agent-zhang"]))
    assert refused.status == REFUSED
    assert code(refused, ruling()) == "dispute_not_open"
    by_party = heard(step(DisputeStep.OPENED), step(DisputeStep.RULED, actor="dealer-shaoxing"))
    assert code(by_party, ruling(by="dealer-shaoxing")) == "arbiter_not_authorised"
    ruled = heard(step(DisputeStep.OPENED), step(DisputeStep.RULED, actor="hq-arbiter"))
    assert code(ruled, ruling(), holder="agent-zhang") == "not_a_party"
    assert code(ruled, ruling(to="agent-zhang")) == "not_a_party"


def test_the_claimants_copy_never_makes_respondent_a_party() -> None:
    claimants_copy = step(DisputeStep.OPENED, parties=["dealer-shaoxing", "respondent"])
    assert heard(claimants_copy, step(DisputeStep.OPENED)).parties == sorted(PARTIES)
