"""The topic registry is typed: mypy refuses a producer or a handler that does not match a topic's payloads."""

from __future__ import annotations

from pathlib import Path

import pytest
from mypy import api

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
from referee_shared.events.deals import DealClosed
from referee_shared.events.envelope import Envelope
from referee_shared.events.leads import LeadSubmitted
from referee_shared.kafka.consumer import Delivery, EventConsumer
from referee_shared.outbox import Transaction
from referee_shared.topics import DEALS_CLOSED, LEADS_SUBMITTED


async def wire(tx: Transaction, deal: DealClosed, consumer: EventConsumer) -> None:
    await tx.emit(DEALS_CLOSED, "deal-1", deal)
    await tx.emit(LEADS_SUBMITTED, "lead-1", deal)  # line 12: a deal on the leads topic

    async def on_lead(event: Envelope[LeadSubmitted], _delivery: Delivery) -> None: ...

    async def on_won(event: Envelope[DealClosed], _delivery: Delivery) -> None: ...

    consumer.on(LEADS_SUBMITTED, on_lead)
    consumer.on(DEALS_CLOSED, on_lead)  # line 19: a lead handler on the deals topic
    consumer.on(DEALS_CLOSED, on_won)  # line 20: a reversal would reach a handler of closed deals only
"""


def test_mypy_rejects_payloads_and_handlers_that_do_not_match_the_topic(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MYPYPATH", str(ROOT / "shared"))
    probe = tmp_path / "probe.py"
    probe.write_text(PROBE)
    stdout, _stderr, status = api.run(
        [
            "--strict",
            "--follow-imports=silent",
            "--no-incremental",
            "--config-file=",
            f"--cache-dir={tmp_path / 'cache'}",
            str(probe),
        ]
    )
    flagged = sorted({int(line.split(":")[1]) for line in stdout.splitlines() if line.startswith(str(probe))})
    assert status == 1, stdout
    assert flagged == [12, 19, 20], stdout
