"""What a reviewer or arbiter may rule, checked before the ruling is accepted.

Choices: uphold (the contested registration keeps the customer), transfer (the customer goes to the
claimant), share (the credit is split between the parties by ratios that sum to 1, for settlement)
and dismiss (the claim is rejected without deciding ownership). Every ruling carries a written reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from typing import Any
from uuid import UUID

from referee_shared.events.common import Channel
from referee_shared.events.disputes import CreditShare, RulingOutcome
from referee_shared.events.tasks import TaskDecision
from referee_shared.tasks import ADMIN, DecisionRefused, OpenTask, Wording, check_decision

CHOICES: dict[str, RulingOutcome] = {
    "uphold": RulingOutcome.UPHELD,
    "transfer": RulingOutcome.TRANSFERRED,
    "share": RulingOutcome.SHARED,
    "dismiss": RulingOutcome.DISMISSED,
}
ROLE_OF_LEVEL = {1: "reviewer", 2: "arbiter"}
RATIO_STEP = Decimal("0.000001")
WORDING = Wording(
    not_open="task {task_id} is not the open review of this dispute ({open_task_id})",
    decided="no review of this dispute is open now",
    choice="choice {choice!r} is not a ruling; choose one of: {choices}",
    role="a level-{level} ruling is made by the role {needed}, not {role}",
    excluded="{decided_by} made the ruling under appeal and may not review it",
    reason="a ruling needs a written reason of at least {min_chars} characters",
)


class RulingRefused(Exception):
    """A ruling that cannot be accepted; the reason goes back to whoever tried it."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Bench:
    """The review open now: its task, its level, and who may not sit on it."""

    task_id: str
    level: int
    excluded_decider: str | None = None

    def task(self, *, min_reason_chars: int = 0) -> OpenTask:
        """The review as a reviewer task: any ruling, by the level's role (or an admin), with a written reason."""
        return OpenTask(
            self.task_id,
            tuple(CHOICES),
            (ROLE_OF_LEVEL[self.level], ADMIN),
            level=self.level,
            excluded_decider=self.excluded_decider,
            min_reason_chars=min_reason_chars,
        )


@dataclass(frozen=True)
class Parties:
    claimant_id: str
    respondent_ids: tuple[str, ...]
    contested_lead_id: UUID | None
    holder_id: str | None
    channels: Mapping[str, Channel] = field(default_factory=dict)
    """each party's channel as its registrations say; settlement needs it for a party not on the deal"""

    @property
    def all(self) -> tuple[str, ...]:
        return (self.claimant_id, *self.respondent_ids)


@dataclass
class RulingDraft:
    """A ruling as decided, before it is recorded and (once no appeal remains) published."""

    outcome: RulingOutcome
    reason: str
    decided_by: str
    level: int
    lead_id: UUID | None = None
    new_holder_id: str | None = None
    new_holder_channel: Channel | None = None
    shares: list[CreditShare] = field(default_factory=list)


def draft_ruling(decision: TaskDecision, bench: Bench, parties: Parties, *, min_reason_chars: int) -> RulingDraft:
    """The ruling a decision makes, or RulingRefused saying what is wrong with it."""
    try:
        check_decision(bench.task(min_reason_chars=min_reason_chars), decision, subject="dispute", wording=WORDING)
    except DecisionRefused as exc:
        raise RulingRefused(str(exc)) from exc
    outcome = CHOICES[decision.choice]
    draft = RulingDraft(
        outcome=outcome,
        reason=decision.reason.strip(),
        decided_by=decision.decided_by,
        level=bench.level,
        lead_id=parties.contested_lead_id,
    )
    if outcome is RulingOutcome.TRANSFERRED:
        if parties.contested_lead_id is None or parties.holder_id is None:
            raise RulingRefused("no registration holds this customer, so there is nothing to transfer")
        if parties.holder_id == parties.claimant_id:
            raise RulingRefused(f"{parties.claimant_id} already holds this customer")
        draft.new_holder_id = parties.claimant_id
        draft.new_holder_channel = parties.channels.get(parties.claimant_id)
    if outcome is RulingOutcome.SHARED:
        draft.shares = shares_of(decision.details.get("shares"), parties)
    return draft


def shares_of(given: Any, parties: Parties) -> list[CreditShare]:
    """The credit shares of a share ruling: as given (validated), or equal between all parties."""
    if given is None:
        return _with_channels(equal_shares(parties.all), parties)
    try:
        shares = _with_channels([CreditShare.model_validate(share) for share in given], parties)
    except (TypeError, ValueError) as exc:  # pydantic's ValidationError is a ValueError
        raise RulingRefused(f"shares must be a list of {{party_id, ratio}}: {exc}") from exc
    named = [share.party_id for share in shares]
    strangers = sorted(set(named) - set(parties.all))
    if strangers:
        raise RulingRefused(f"only the parties can share the credit; not a party: {', '.join(strangers)}")
    if len(set(named)) != len(named):
        raise RulingRefused("each party may appear once among the shares")
    if len(shares) < 2 or any(share.ratio <= 0 for share in shares):
        raise RulingRefused("a shared ruling gives a positive share to at least two parties")
    total = sum((share.ratio for share in shares), Decimal(0))
    if total != 1:
        raise RulingRefused(f"the shares must sum to 1, not {total}")
    return shares


def _with_channels(shares: list[CreditShare], parties: Parties) -> list[CreditShare]:
    return [
        share if share.channel else share.model_copy(update={"channel": parties.channels.get(share.party_id)})
        for share in shares
    ]


def equal_shares(party_ids: tuple[str, ...]) -> list[CreditShare]:
    """Equal ratios to six places; what rounding leaves over goes to the first party (the claimant)."""
    each = (Decimal(1) / len(party_ids)).quantize(RATIO_STEP, rounding=ROUND_DOWN)
    rest = Decimal(1) - each * len(party_ids)
    return [CreditShare(party_id=party, ratio=each + (rest if i == 0 else 0)) for i, party in enumerate(party_ids)]
