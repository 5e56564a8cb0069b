"""An approved certificate's validity: a warning some days ahead, then it lapses by itself unless HQ revoked it."""

from __future__ import annotations

from datetime import datetime, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from referee_shared.tasks.desk import wait_until, workflow_step_id

    from .activities import ReviewActivities
    from .models import Step, ValidityInput

_STEP_TIMEOUT = timedelta(seconds=30)


@workflow.defn(name="QualificationValidity")
class CertificateValidityWorkflow:
    def __init__(self) -> None:
        self._validity: ValidityInput | None = None
        self._ended_because: str | None = None

    @workflow.run
    async def run(self, validity: ValidityInput) -> str:
        self._validity = validity
        if validity.warns_at < validity.lapses_at:
            if await self._ended_before(validity.warns_at):
                return "revoked"
            await workflow.execute_activity_method(
                ReviewActivities.warn_expiry, self._step("expiry-warning"), start_to_close_timeout=_STEP_TIMEOUT
            )
        if await self._ended_before(validity.lapses_at):
            return "revoked"
        await workflow.execute_activity_method(
            ReviewActivities.lapse, self._step("lapse"), start_to_close_timeout=_STEP_TIMEOUT
        )
        return "expired"

    @workflow.signal(name="end")
    def end(self, reason: str) -> None:
        """HQ revoked the certificate: no warning and no lapse follow."""
        self._ended_because = reason

    @workflow.query(name="lapses_at")
    def lapses_at(self) -> str:
        return self._validity.lapses_at.isoformat() if self._validity else ""

    async def _ended_before(self, at: datetime) -> bool:
        """Wait until ``at``; True if the certificate was revoked first."""
        return await wait_until(lambda: self._ended_because is not None, at)

    def _step(self, name: str) -> Step:
        assert self._validity is not None
        return Step(
            step=str(workflow_step_id(name)),
            submission_id=self._validity.submission_id,
            at=workflow.now(),
        )
