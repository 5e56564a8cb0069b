"""What-if over HTTP, beside the rule versions (``/admin/rules``): start a run for a draft (a YAML
document, or an uploaded version not yet in force), follow its progress, read the report as JSON or
text, download the changed decisions as CSV or xlsx.

(No postponed annotations here: the routes name a dependency defined inside ``build_router``.)
"""

from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from fastapi.responses import PlainTextResponse, Response
from pydantic import AwareDatetime, BaseModel, Field, model_validator

from referee_shared.auth import Principal, Role, require
from referee_shared.rules.rulebook import RuleBook, RuleError
from referee_shared.rules.ruleset import RuleSet
from referee_shared.rules.versions import DraftRefused, parse_draft

from .render import changed_csv, changed_xlsx, text
from .report import WhatIfReport
from .runs import Run, Stage, WhatIfRuns

Admin = Annotated[Principal, Depends(require(Role.ADMIN))]
Language = Annotated[Literal["zh_CN", "en"], Query(description="zh_CN (default) or en")]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_MONTHS = 36


class WhatIfAsked(BaseModel):
    document: str | None = Field(default=None, max_length=200_000, description="a draft rule set as YAML")
    ref: str | None = Field(default=None, description="or an uploaded version, as id@version")
    months: int = Field(default=6, ge=1, le=MAX_MONTHS, description="how many months of history to replay")
    until: AwareDatetime | None = Field(
        default=None, description="replay up to this moment (default now); the same moment gives the same report"
    )

    @model_validator(mode="after")
    def _one_draft(self) -> "WhatIfAsked":
        if (self.document is None) == (self.ref is None):
            raise ValueError("give the draft either as document (YAML) or as ref (id@version), not both or neither")
        return self


class RunState(BaseModel):
    run_id: UUID
    draft: str
    months: int
    stage: Stage
    progress: float = Field(description="0..1")
    read: int = Field(description="events read from the topics")
    replayed: int
    to_replay: int
    error: str | None
    report: WhatIfReport | None = Field(description="once stage is done")


def build_router(runs: WhatIfRuns, book: RuleBook) -> APIRouter:
    router = APIRouter(prefix="/admin/rules/what-if", tags=["operations"])

    @router.post("", status_code=status.HTTP_202_ACCEPTED, summary="Try a draft rule set version on the last N months")
    async def start(body: WhatIfAsked, principal: Admin, request: Request) -> RunState:
        draft = _draft(body, book)
        now = request.app.state.runtime.clock.now()
        if body.until is not None and body.until > now:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, ["until: history ends now; give a past moment"])
        until = body.until or now
        return _state(runs.start(draft, months=body.months, until=until, started_by=principal.subject))

    def found(run_id: UUID) -> Run:
        run = runs.get(run_id)
        if run is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no what-if run {run_id} on this instance; start one")
        return run

    def finished(run_id: UUID) -> WhatIfReport:
        run = found(run_id)
        if run.report is None:
            raise HTTPException(status.HTTP_409_CONFLICT, f"the run is {run.stage.value}: {run.error or 'wait'}")
        return run.report

    @router.get("/{run_id}", summary="A run's progress, and its report once done")
    async def state(run_id: UUID, _principal: Admin) -> RunState:
        return _state(found(run_id))

    @router.get("/{run_id}/report.json", response_class=Response, summary="The report alone, as JSON")
    async def as_json(run_id: UUID, _principal: Admin) -> Response:
        return Response(finished(run_id).model_dump_json().encode(), media_type="application/json")

    @router.get("/{run_id}/report.txt", response_class=PlainTextResponse, summary="The report as text")
    async def as_text(run_id: UUID, _principal: Admin, lang: Language = "zh_CN") -> str:
        return text(finished(run_id), lang)

    @router.get("/{run_id}/changes.csv", response_class=Response, summary="The changed decisions, CSV with BOM")
    async def as_csv(run_id: UUID, _principal: Admin, lang: Language = "zh_CN") -> Response:
        report = finished(run_id)
        return Response(changed_csv(report, lang), media_type="text/csv; charset=utf-8", headers=_file(report, "csv"))

    @router.get("/{run_id}/changes.xlsx", response_class=Response, summary="The changed decisions as xlsx")
    async def as_xlsx(run_id: UUID, _principal: Admin, lang: Language = "zh_CN") -> Response:
        report = finished(run_id)
        return Response(changed_xlsx(report, lang), media_type=XLSX, headers=_file(report, "xlsx"))

    return router


def _draft(body: WhatIfAsked, book: RuleBook) -> RuleSet:
    try:
        if body.ref is not None:
            rule_set, _, version = body.ref.partition("@")
            if not version.isdigit():
                raise DraftRefused([f"ref: {body.ref!r} is not id@version, e.g. building-materials@2"])
            return book.get(rule_set, int(version))
        assert body.document is not None
        draft = parse_draft(body.document)
        if not any(r.id == draft.id for r in book.rule_sets):
            raise DraftRefused([f"id: no rule set {draft.id!r} is running; a what-if tries a new version of one"])
        return draft
    except DraftRefused as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, exc.problems) from exc
    except RuleError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc


def _state(run: Run) -> RunState:
    return RunState(
        run_id=run.run_id,
        draft=run.draft,
        months=run.months,
        stage=run.stage,
        progress=run.progress,
        read=run.read,
        replayed=run.replayed,
        to_replay=run.to_replay,
        error=run.error,
        report=run.report,
    )


def _file(report: WhatIfReport, extension: str) -> dict[str, str]:
    name = f"referee-what-if-{report.draft.replace('@', '-v')}.{extension}"
    return {"Content-Disposition": f'attachment; filename="{name}"'}
