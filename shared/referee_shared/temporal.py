"""Connecting to Temporal with the pydantic data converter, so workflows exchange the same models."""

from __future__ import annotations

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from .settings import ServiceSettings


async def connect_temporal(settings: ServiceSettings) -> Client:
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=pydantic_data_converter,
    )
