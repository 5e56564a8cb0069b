"""Dedup's Kafka subscribers: hand each decoded event to its use case, nothing else."""

from __future__ import annotations

from datetime import datetime

from referee_shared.clock import Clock
from referee_shared.events.board import ProcurementPlanReported, VisitReported
from referee_shared.events.checks import DedupRequested
from referee_shared.events.envelope import Envelope
from referee_shared.events.leads import LockChanged
from referee_shared.kafka.consumer import Delivery, EventConsumer, Unprocessable
from referee_shared.topics import BOARD_PLANS, BOARD_VISITS, DEDUP_REQUESTS, LEADS_LOCKS

from .usecases import Dedup
from .usecases.board import BoardRefused, NotOnBoard


def register_handlers(consumer: EventConsumer, dedup: Dedup, clock: Clock) -> None:
    async def on_request(event: Envelope[DedupRequested], _delivery: Delivery) -> None:
        await dedup.check(event)

    async def on_lock(event: Envelope[LockChanged], _delivery: Delivery) -> None:
        await dedup.lock_changed(event)

    def stamped(delivery: Delivery) -> datetime:
        """The broker's append time (the board topics are LogAppendTime); a partner's clock never counts."""
        if delivery.broker_time is not None and delivery.broker_time_is_append_time:
            return delivery.broker_time
        return clock.now()

    async def on_plan(event: Envelope[ProcurementPlanReported], delivery: Delivery) -> None:
        try:
            await dedup.board.report_plan(
                event.event_id, event.payload, at=stamped(delivery), correlation_id=event.correlation_id
            )
        except (NotOnBoard, BoardRefused) as exc:
            raise Unprocessable(f"board plan refused: {exc}") from exc

    async def on_visit(event: Envelope[VisitReported], delivery: Delivery) -> None:
        try:
            await dedup.board.report_visit(
                event.event_id, event.payload, at=stamped(delivery), correlation_id=event.correlation_id
            )
        except (NotOnBoard, BoardRefused) as exc:
            raise Unprocessable(f"board visit refused: {exc}") from exc

    consumer.on(DEDUP_REQUESTS, on_request)
    consumer.on(LEADS_LOCKS, on_lock)
    consumer.on(BOARD_PLANS, on_plan)
    consumer.on(BOARD_VISITS, on_visit)
