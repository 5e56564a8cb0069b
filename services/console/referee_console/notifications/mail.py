"""Sending one notification by mail over SMTP (the standard library's client, in a worker thread)."""

from __future__ import annotations

import asyncio
import smtplib
from email.message import EmailMessage
from email.utils import make_msgid

from ..settings import ConsoleSettings


def message(settings: ConsoleSettings, to: str, subject: str, text: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = settings.smtp_from
    mail["To"] = to
    mail["Subject"] = subject
    mail["Message-ID"] = make_msgid(domain="referee")
    mail.set_content(text)  # UTF-8, so Chinese reads in any client
    return mail


def _send(settings: ConsoleSettings, mail: EmailMessage) -> None:
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout_seconds) as client:
        if settings.smtp_starttls:
            client.starttls()
        if settings.smtp_username:
            client.login(settings.smtp_username, settings.smtp_password)
        client.send_message(mail)


async def send(settings: ConsoleSettings, mail: EmailMessage) -> None:
    await asyncio.to_thread(_send, settings, mail)
