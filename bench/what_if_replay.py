"""How long a what-if takes: 100,000 registrations (with their follow-ups and won deals) replayed
under the rules in force and under a draft, and compared.

    .venv/bin/python bench/what_if_replay.py --registrations 100000

The history is built from dedup's labelled set (bench/dedup_data.py: customers all over China, a share
of them disguised duplicates of earlier ones), spread over the twelve months before the replay's end:
half industrial goods (agents and the direct team, amounts from ¥50,000 to ¥2,000,000), a quarter
building materials (dealers, some listed with regions), a quarter medical devices (agents holding their
qualifications); a fifth of the leads followed up, a tenth closed as won. The draft moves the industrial
goods tier boundary from 1,000,000 to 800,000; the what-if replays the last six months.

Baseline, in the same run: one replay of the same history under the rules in force (every registration
decided once through the same pure functions, outside the live path). The what-if is two such replays
and their comparison, so about twice the baseline is the floor.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from uuid import UUID

sys.path.insert(0, str(Path(__file__).parent))

from dedup_data import labelled_set

from referee_dedup.domain.profile import CustomerRecord
from referee_registration.whatif.history import History
from referee_registration.whatif.sandbox import replay
from referee_registration.whatif.tryout import what_if
from referee_shared.events.common import Channel, CustomerIdentity, GeoPoint
from referee_shared.events.deals import DealClosed, DealOutcome
from referee_shared.events.leads import ActivityKind, LeadActivity, LeadSubmitted
from referee_shared.events.qualifications import QualificationChange, QualificationChanged
from referee_shared.rules.rulebook import RuleBook
from referee_shared.rules.ruleset import RuleSet

ROOT = Path(__file__).resolve().parents[1]
UNTIL = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
MEDICAL = {
    "orthopaedics": "orthopaedic-device-distribution",
    "cardiology": "cardiovascular-device-distribution",
    "respiratory": "respiratory-device-distribution",
}


def history_of(registrations: int, seed: int) -> History:
    chance = random.Random(seed)
    records = labelled_set(registrations * 7 // 10, registrations - registrations * 7 // 10, seed=seed)
    customers = [*records.existing, *(r.record for r in records.incoming)]
    history = History()
    agents = [f"agent-{n:02d}" for n in range(30)]
    for agent in agents:
        for line, qualification in MEDICAL.items():
            history.add(
                UNTIL - timedelta(days=400),
                QualificationChanged(
                    submission_id=UUID(int=chance.getrandbits(128)),
                    partner_id=agent,
                    product_line=line,
                    qualification=qualification,
                    certificate_number=f"{agent}-{line}",
                    change=QualificationChange.APPROVED,
                    status="approved",
                    valid_from=date(2025, 1, 1),
                    valid_to=date(2028, 12, 31),
                    at=UNTIL - timedelta(days=400),
                    rule_set="medical-devices",
                    rule_version=1,
                ),
            )
    dealers = ["dealer-hangzhou", "dealer-shaoxing", "dealer-suzhou", *(f"dealer-{n:02d}" for n in range(20))]
    step = timedelta(days=365) / registrations
    for n, record in enumerate(customers):
        at = UNTIL - timedelta(days=365) + step * n
        kind = chance.random()
        if kind < 0.5:
            direct = chance.random() < 0.3
            partner, channel = ("direct-sales", Channel.DIRECT) if direct else (chance.choice(agents), Channel.AGENT)
            line = chance.choice(["cnc-machines", "compressors"])
            amount = Decimal(chance.randrange(50, 2000)) * 1000
        elif kind < 0.75:
            partner, channel, line = chance.choice(dealers), Channel.DEALER, chance.choice(["tiles", "coatings"])
            amount = Decimal(chance.randrange(20, 800)) * 1000
        else:
            partner, channel, line = chance.choice(agents), Channel.AGENT, chance.choice(list(MEDICAL))
            amount = Decimal(chance.randrange(50, 1500)) * 1000
        lead = LeadSubmitted(
            lead_id=UUID(int=chance.getrandbits(128)),
            partner_id=partner,
            channel=channel,
            customer=identity(record),
            product_line=line,
            estimated_amount=amount,
        )
        history.add(at, lead)
        if chance.random() < 0.2:
            activity = LeadActivity(
                activity_id=UUID(int=chance.getrandbits(128)),
                lead_id=lead.lead_id,
                partner_id=partner,
                kind=ActivityKind.VISIT,
                summary="visit",
            )
            history.add(at + timedelta(days=chance.randrange(1, 60)), activity)
        if chance.random() < 0.1:
            closed = at + timedelta(days=chance.randrange(10, 90))
            deal = DealClosed(
                deal_id=f"deal-{n}",
                lead_id=lead.lead_id,
                outcome=DealOutcome.WON,
                amount=amount,
                closed_at=closed,
                product_line=line,
                owner_id=partner,
                owner_channel=channel,
            )
            history.add(closed, deal)
    return history


def identity(record: CustomerRecord) -> CustomerIdentity:
    location = GeoPoint(lat=record.lat, lon=record.lon) if record.lat is not None and record.lon is not None else None
    return CustomerIdentity(
        name=record.name,
        uscc=record.uscc,
        phone=record.phone,
        address=record.address,
        province=record.province,
        city=record.city,
        district=record.district,
        location=location,
    )


def tier_draft(book: RuleBook) -> RuleSet:
    current = book.get("industrial-goods", 1)
    document = current.model_dump(mode="json")
    document["version"] = 2
    document["tiers"]["tiers"] = [
        {"name": "small", "min_amount": "0", "max_amount": "500000", "channel": "agent"},
        {"name": "medium", "min_amount": "500000", "max_amount": "800000"},
        {"name": "key-account", "min_amount": "800000", "channel": "direct"},
    ]
    return RuleSet.model_validate(document)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--registrations", type=int, default=100_000)
    parser.add_argument("--months", type=int, default=6)
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()

    started = time.perf_counter()
    history = history_of(args.registrations, args.seed)
    built = time.perf_counter() - started
    book = RuleBook.load(ROOT / "rules")
    draft = tier_draft(book)
    print(f"history: {history.submissions:,} registrations, {len(history.events):,} events (built in {built:.1f} s)")

    started = time.perf_counter()
    once = replay(history, book, UNTIL)
    baseline = time.perf_counter() - started
    decided = len(once.leads)
    print(f"baseline: every registration decided once under the rules in force: {baseline:.1f} s")
    print(f"          {decided / baseline:,.0f} registrations/s")

    started = time.perf_counter()
    report = what_if(history, book, draft, months=args.months, until=UNTIL)
    took = time.perf_counter() - started
    print(f"what-if:  {draft.ref} tried on the last {args.months} months (two replays of the whole history")
    print(f"          and their comparison): {took:.1f} s, {took / baseline:.2f}x the baseline")
    print(
        f"          {report.registrations:,} registrations in the period, {report.decisions_changed:,} decisions "
        f"change, {len(report.locks):,} locks differ, {len(report.settlements):,} partners' amounts differ"
    )


if __name__ == "__main__":
    main()
