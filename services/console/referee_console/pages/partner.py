"""The partner's pages: register an opportunity on the phone, follow the decision, my opportunities,
log a follow-up. The partner and channel always come from the signed-in user's record."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any
from uuid import UUID, uuid4

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from referee_shared.rules.protection import ExtensionPolicy
from referee_shared.rules.rulebook import RuleBook, RuleError

from ..clients import ServiceRefused
from ..labels import ACTIVITIES, PENDING
from ..photos import NotAPhoto, photos
from ..reasons import refusal_text
from ..roles import ConsoleRole
from ..users import User
from ..web import allowed, console, language, render

router = APIRouter(prefix="/partner")
Partner = Annotated[User, allowed(ConsoleRole.PARTNER)]


def product_lines(request: Request) -> list[str]:
    return sorted(RuleBook.load(console(request).settings.rules_dir).product_lines())


@router.get("", response_class=HTMLResponse)
async def my_opportunities(request: Request, user: Partner) -> Response:
    leads = await console(request).services.get(user, "registration", "/leads", limit=100)
    return render(request, "partner/home.html", user, leads=leads, pending=PENDING)


@router.get("/new", response_class=HTMLResponse)
async def new_opportunity(request: Request, user: Partner) -> Response:
    return render(
        request, "partner/new.html", user, lead_id=uuid4(), lines=product_lines(request), form={}, problem=None
    )


@router.post("/new", response_class=HTMLResponse)
async def register(
    request: Request,
    user: Partner,
    lead_id: Annotated[UUID, Form()],
    customer_name: Annotated[str, Form(min_length=1, max_length=200)],
    product_line: Annotated[str, Form()],
    amount: Annotated[str, Form()],
    address: Annotated[str, Form(max_length=300)] = "",
    province: Annotated[str, Form(max_length=40)] = "",
    city: Annotated[str, Form(max_length=40)] = "",
    department: Annotated[str, Form(max_length=100)] = "",
    uscc: Annotated[str, Form(max_length=40)] = "",
    expected_close: Annotated[str, Form()] = "",
    lat: Annotated[str, Form()] = "",
    lon: Annotated[str, Form()] = "",
) -> Response:
    form = dict(await request.form())
    try:
        money = Decimal(amount.replace(",", "").replace("¥", "").strip())
    except InvalidOperation:
        money = Decimal(-1)
    if money < 0:
        return _form_again(request, user, lead_id, form, "amount")
    customer: dict[str, Any] = {"name": customer_name.strip()}
    for key, value in (
        ("address", address),
        ("province", province),
        ("city", city),
        ("department", department),
        ("uscc", uscc),
    ):
        if value.strip():
            customer[key] = value.strip()
    if location := _point(lat, lon):
        customer["location"] = location
    submission = {
        "lead_id": str(lead_id),
        "partner_id": user.partner_id,
        "channel": user.channel,
        "customer": customer,
        "product_line": product_line,
        "estimated_amount": str(money),
        "expected_close": date.fromisoformat(expected_close).isoformat() if expected_close else None,
    }
    try:
        await console(request).services.post(user, "registration", "/leads", submission)
    except ServiceRefused as refused:
        return _form_again(request, user, lead_id, form, refusal_text(refused.detail, language(request)))
    return RedirectResponse(f"/partner/leads/{lead_id}", status_code=303)


def _point(lat: str, lon: str) -> dict[str, float] | None:
    """The phone's location when the browser gave a usable one; a bad value is left out, not an error."""
    try:
        point = {"lat": float(lat), "lon": float(lon)}
    except ValueError:
        return None
    return point if -90 <= point["lat"] <= 90 and -180 <= point["lon"] <= 180 else None


def _form_again(request: Request, user: User, lead_id: UUID, form: dict[str, Any], problem: str) -> Response:
    return render(
        request,
        "partner/new.html",
        user,
        status_code=422,
        lead_id=lead_id,
        lines=product_lines(request),
        form=form,
        problem=problem,
    )


async def _lead(request: Request, user: User, lead_id: UUID) -> dict[str, Any] | None:
    """The lead, or None while registration has not yet taken in a just-submitted one."""
    try:
        found: dict[str, Any] = await console(request).services.get(user, "registration", f"/leads/{lead_id}")
    except ServiceRefused as refused:
        if refused.status == 404:
            return None
        raise
    return found


async def lead_page(request: Request, user: User, lead_id: UUID, *, status_code: int = 200, **problem: str) -> Response:
    """The lead's page, with what went wrong (``photo_problem``, ``extension_problem``…) when a form was refused."""
    lead = await _lead(request, user, lead_id)
    return render(
        request,
        "partner/lead.html",
        user,
        status_code=status_code,
        lead_id=lead_id,
        lead=lead,
        pending=PENDING,
        activities=ACTIVITIES,
        extension=extension_policy(request, lead),
        **problem,
    )


@router.get("/leads/{lead_id}", response_class=HTMLResponse)
async def opportunity(request: Request, user: Partner, lead_id: UUID) -> Response:
    return await lead_page(request, user, lead_id)


@router.get("/leads/{lead_id}/status", response_class=HTMLResponse)
async def decision(request: Request, user: Partner, lead_id: UUID) -> Response:
    """The decision panel alone; the page polls it until the referee has decided."""
    lead = await _lead(request, user, lead_id)
    if lead is not None and lead["status"] not in PENDING:
        # Decided: the whole page changes (follow-ups become possible), so the browser reloads it.
        return Response(status_code=204, headers={"HX-Refresh": "true"})
    return render(request, "partner/_decision.html", user, lead_id=lead_id, lead=lead, pending=PENDING)


@router.post("/leads/{lead_id}/activities", response_class=HTMLResponse)
async def log_activity(
    request: Request,
    user: Partner,
    lead_id: UUID,
    activity_id: Annotated[UUID, Form()],
    kind: Annotated[str, Form()],
    summary: Annotated[str, Form(min_length=1, max_length=4000)],
    contact: Annotated[str, Form(max_length=100)] = "",
    lat: Annotated[str, Form()] = "",
    lon: Annotated[str, Form()] = "",
    photo: Annotated[UploadFile | None, File()] = None,
) -> Response:
    report: dict[str, Any] = {"activity_id": str(activity_id), "kind": kind, "summary": summary.strip()}
    if contact.strip():
        report["contact"] = contact.strip()
    if location := _point(lat, lon):
        report["location"] = location
    if photo is not None and photo.filename:
        try:
            kept = await photos(request).keep(await photo.read(photos(request).max_bytes + 1), user.partner_id or "")
        except NotAPhoto as refused:
            return await lead_page(request, user, lead_id, status_code=422, photo_problem=str(refused))
        report["attachments"] = [kept.attachment()]
    await console(request).services.post(user, "registration", f"/leads/{lead_id}/activities", report)
    return RedirectResponse(f"/partner/leads/{lead_id}?logged=1", status_code=303)


def extension_policy(request: Request, lead: dict[str, Any] | None) -> ExtensionPolicy | None:
    """The extension rule of the rule set governing the lead's product line today."""
    if lead is None:
        return None
    try:
        rules = RuleBook.load(console(request).settings.rules_dir).for_product_line(
            lead["product_line"], datetime.now(UTC)
        )
    except RuleError:
        return None
    return rules.protection.extension
