"""Managing the partner registry: every change is a row, a record on the partner's evidence chain and an event."""

from __future__ import annotations

from referee_shared.events.partners import PartnerChanged
from referee_shared.outbox import Transaction, Transactions
from referee_shared.topics import PARTNERS_REGISTRY

from ..checkpoints import checkpoint
from ..store import EvidenceRepository, NewRecord
from .domain import PartnerRecord
from .store import PartnerRepository, PartnerRow

PARTNER_CHANGED = "partner_changed"


def partner_chain(partner_id: str) -> str:
    """The evidence chain of a partner's record, beside the customers' chains."""
    return f"partner:{partner_id}"


def to_record(row: PartnerRow) -> PartnerRecord:
    return PartnerRecord.model_validate(
        {
            "partner_id": row.partner_id,
            "name": row.name,
            "channel": row.channel,
            "regions": row.regions,
            "status": row.status,
            "producers": row.producers,
        }
    )


async def find_partner(tx: Transaction, partner_id: str) -> PartnerRecord | None:
    row = await PartnerRepository(tx.session).get(partner_id)
    return to_record(row) if row is not None else None


class PartnerDirectory:
    def __init__(self, transactions: Transactions) -> None:
        self._tx = transactions

    async def put(self, record: PartnerRecord, *, actor: str) -> tuple[PartnerRecord, bool]:
        """Create or replace a partner's record; returns it and whether anything changed."""
        async with self._tx.begin() as tx:
            partners = PartnerRepository(tx.session)
            row = await partners.get_for_update(record.partner_id)
            before = to_record(row) if row is not None else None
            if before == record:
                return record, False
            now = tx.clock.now()
            if row is None:
                row = PartnerRow(partner_id=record.partner_id)
                partners.add(row)
            row.name, row.channel, row.status = record.name, record.channel.value, record.status.value
            row.regions, row.producers = list(record.regions), list(record.producers)
            row.updated_at, row.updated_by = now, actor
            content = {
                "before": before.model_dump(mode="json") if before else None,
                "after": record.model_dump(mode="json"),
            }
            new = NewRecord(
                kind=PARTNER_CHANGED, actor=actor, lead_id=None, content=content, rule_set=None, rule_version=None
            )
            chain = partner_chain(record.partner_id)
            await checkpoint(tx, chain, await EvidenceRepository(tx.session).append(chain, [new], recorded_at=now))
            await tx.emit(
                PARTNERS_REGISTRY,
                record.partner_id,
                PartnerChanged(
                    partner_id=record.partner_id,
                    name=record.name,
                    channel=record.channel,
                    regions=list(record.regions),
                    status=record.status.value,
                    producers=list(record.producers),
                    changed_by=actor,
                    changed_at=now,
                ),
            )
            return record, True

    async def get(self, partner_id: str) -> PartnerRecord | None:
        async with self._tx.begin() as tx:
            return await find_partner(tx, partner_id)

    async def all(self) -> list[PartnerRecord]:
        async with self._tx.begin() as tx:
            return [to_record(row) for row in await PartnerRepository(tx.session).all()]
