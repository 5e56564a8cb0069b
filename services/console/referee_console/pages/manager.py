"""The channel manager's pages (admin too): the funnel by partner, region or channel, dispute figures, users."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from ..charts import Bar, bar_chart
from ..labels import STATUSES, label
from ..roles import ConsoleRole
from ..users import User
from ..web import allowed, console, language, render

router = APIRouter(prefix="/manager")
Manager = Annotated[User, allowed(ConsoleRole.CHANNEL_MANAGER)]
GROUPINGS = ("partner", "region", "channel")


@router.get("", response_class=HTMLResponse)
async def figures(request: Request, user: Manager, group_by: str = "partner") -> Response:
    here = console(request)
    group_by = group_by if group_by in GROUPINGS else "partner"
    total = await here.services.get(user, "registration", "/funnel")
    grouped = await here.services.get(user, "registration", "/funnel", group_by=group_by)
    disputes = await here.services.get(user, "arbitration", "/disputes/figures")
    translate = here.catalogues[language(request)].gettext
    chart = _chart(total, translate)
    return render(
        request,
        "manager/home.html",
        user,
        total=total,
        grouped=grouped,
        group_by=group_by,
        groupings=GROUPINGS,
        chart=chart,
        disputes=disputes,
        statuses=STATUSES,
        users=await here.users.all() if user.role is ConsoleRole.ADMIN else [],
    )


def _chart(report: dict[str, Any], translate: Any) -> Markup:
    counts = report["rows"][0]["counts"] if report.get("rows") else {}
    bars = [Bar(translate(label(STATUSES, stage)), int(counts.get(stage, 0))) for stage in report.get("stages", [])]
    return Markup(bar_chart(bars))  # built from numbers and escaped labels only
