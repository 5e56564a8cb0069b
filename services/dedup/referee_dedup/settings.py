from __future__ import annotations

from pathlib import Path

from pydantic import Field

from referee_shared.settings import ServiceSettings

from .index_file import database_identity


class DedupSettings(ServiceSettings):
    service_name: str = "dedup"
    http_port: int = 8002
    index_file: Path | None = Field(
        default=None,
        description="where the customer index is saved, so a start loads it in seconds; "
        "default data_dir/services/dedup-index-<database>.bin",
    )
    index_saved: bool = Field(default=True, description="save the customer index (off: rebuild it at each start)")
    index_save_every: int = Field(
        default=100_000, ge=1, description="save the index again after this many customer writes"
    )

    def resolved_index_file(self) -> Path | None:
        if not self.index_saved:
            return None
        database = database_identity(self.resolved_database_url())
        return self.index_file or self.data_dir / "services" / f"dedup-index-{database}.bin"
