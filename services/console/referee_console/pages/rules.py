"""The channel manager's rules page: the rule sets in force with their versions, a draft uploaded and tried
on the last months of history (what-if, with a progress bar), its report, and the draft scheduled to take
effect. Every step is a call to registration's ``/admin/rules`` API; the page only shows and forwards."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import yaml
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from ..clients import ServiceRefused
from ..exports import csv_bytes, xlsx_bytes
from ..labels import N_
from ..roles import ConsoleRole
from ..users import User
from ..web import allowed, console, language, render

router = APIRouter(prefix="/manager/rules")
Manager = Annotated[User, allowed(ConsoleRole.CHANNEL_MANAGER)]
MONTHS = (1, 3, 6, 12)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The codes a what-if report carries (run stages, outcomes, lock changes, figure measures), for the catalogues.
WORDS = {
    code: N_(code)
    for code in (
        "reading",
        "replaying",
        "accepted",
        "rejected",
        "held",
        "granted",
        "gone",
        "expires_earlier",
        "expires_later",
        "moved",
        "ended_differently",
        "decided",
        "refused_duplicate",
        "refused_cross_region",
        "refused_tier",
        "refused_other",
        "customers_registered",
        "closed",
        "large_closed",
        "large_won",
        "locks_granted",
        "locks_expired_unfollowed",
    )
}


@router.get("", response_class=HTMLResponse)
async def rules(request: Request, user: Manager) -> Response:
    return await _page(request, user)


async def _page(request: Request, user: User, **shown: Any) -> Response:
    versions = await console(request).services.get(user, "registration", "/admin/rules/versions")
    return render(request, "manager/rules.html", user, rule_sets=_by_rule_set(versions), months=MONTHS, **shown)


def _by_rule_set(versions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each rule set's versions, newest first, the one in force now marked."""
    now = datetime.now(UTC)
    sets: dict[str, list[dict[str, Any]]] = {}
    for version in versions:
        sets.setdefault(version["ref"].partition("@")[0], []).append(version)
    found = []
    for rule_set, listed in sorted(sets.items()):
        listed.sort(key=lambda v: int(v["ref"].partition("@")[2]), reverse=True)
        started = [v for v in listed if datetime.fromisoformat(v["effective_from"]) <= now]
        in_force = started[0]["ref"] if started else None
        for v in listed:
            v["state"] = "in_force" if v["ref"] == in_force else "replaced" if v in started else "scheduled"
        found.append({"id": rule_set, "title": listed[0]["title"], "versions": listed, "in_force": in_force})
    return found


@router.post("/what-if", response_class=HTMLResponse)
async def start(
    request: Request, user: Manager, document: Annotated[str, Form()], months: Annotated[int, Form()] = 6
) -> Response:
    try:
        run = await console(request).services.post(
            user, "registration", "/admin/rules/what-if", {"document": document, "months": months}
        )
    except ServiceRefused as refused:
        return await _page(request, user, document=document, problem=refused.detail)
    return render(request, "manager/what_if.html", user, run=run, document=document)


@router.get("/what-if/{run_id}/progress", response_class=HTMLResponse)
async def progress(request: Request, user: Manager, run_id: str) -> Response:
    run = await console(request).services.get(user, "registration", f"/admin/rules/what-if/{run_id}")
    return render(request, "manager/_what_if_run.html", user, run=run)


@router.get("/what-if/{run_id}/changes.{kind}")
async def changes(request: Request, user: Manager, run_id: str, kind: str) -> Response:
    run = await console(request).services.get(user, "registration", f"/admin/rules/what-if/{run_id}")
    if run.get("report") is None:
        return Response("the what-if run has not finished", status_code=409)
    header, rows = _table(run["report"], request)
    name = f"referee-what-if-{run['draft'].replace('@', '-v')}"
    if kind == "xlsx":
        body = xlsx_bytes(_translate(request)(N_("What-if")), header, rows)
        return Response(body, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})
    return Response(
        csv_bytes(header, rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


@router.post("/schedule", response_class=HTMLResponse)
async def schedule(
    request: Request,
    user: Manager,
    document: Annotated[str, Form()],
    reason: Annotated[str, Form()],
    effective_from: Annotated[str, Form()] = "",
) -> Response:
    """Upload the draft as a new version, taking effect at the moment chosen (in the console's time zone)."""
    here = console(request)
    try:
        scheduled = _effective_at(document, effective_from, here.zone)
        uploaded = await here.services.post(
            user, "registration", "/admin/rules/versions", {"document": scheduled, "reason": reason}
        )
    except (ServiceRefused, ValueError) as refused:
        detail = refused.detail if isinstance(refused, ServiceRefused) else str(refused)
        return await _page(request, user, document=document, problem=detail)
    return await _page(request, user, scheduled=uploaded)


def _effective_at(document: str, moment: str, zone: ZoneInfo) -> str:
    """The document with ``effective_from`` set to ``moment`` (a datetime-local value), if one was given."""
    if not moment:
        return document
    parsed = yaml.safe_load(document)
    if not isinstance(parsed, dict):
        raise ValueError("the draft is not a rule set document")
    parsed["effective_from"] = datetime.fromisoformat(moment).replace(tzinfo=zone).isoformat()
    return str(yaml.safe_dump(parsed, allow_unicode=True, sort_keys=False))


def _translate(request: Request) -> Any:
    return console(request).catalogues[language(request)].gettext


def _table(report: dict[str, Any], request: Request) -> tuple[list[str], list[list[Any]]]:
    _ = _translate(request)
    here = console(request)
    header = [
        _("Lead"),
        _("Partner"),
        _("Customer"),
        _("Product line"),
        _("Received"),
        _("Decision now"),
        _("Reason now"),
        _("Rule version now"),
        _("Decision with the draft"),
        _("Reason with the draft"),
        _("Draft version"),
    ]
    rows = [
        [
            change["lead_id"],
            change["partner_id"],
            change["customer_name"],
            change["product_line"],
            datetime.fromisoformat(change["received_at"]).astimezone(here.zone).strftime("%Y-%m-%d %H:%M"),
            _(change["before"]["outcome"]),
            change["before"]["reason"],
            change["before"]["rule_ref"],
            _(change["after"]["outcome"]),
            change["after"]["reason"],
            change["after"]["rule_ref"],
        ]
        for change in report["changed"]
    ]
    return header, rows
