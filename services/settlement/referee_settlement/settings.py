from __future__ import annotations

from pydantic import Field

from referee_shared.settings import ServiceSettings


class SettlementSettings(ServiceSettings):
    service_name: str = "settlement"
    http_port: int = 8005
    approver_role: str = Field(default="finance", description="the inbox role that approves statements")
    finance_timezone: str = Field(
        default="Asia/Shanghai", description="whose calendar a reconciliation period (a day, a month) follows"
    )
