"""Photos taken on a phone for a follow-up, stored by their content's SHA-256.

The evidence record carries only the digest (an ``Attachment``); the bytes stay here, under
``<data_dir>/photos/<2 hex>/<digest>``, written once whoever sends them again. The media type is read
from the bytes, never from what the browser says, and only images are kept. A partner may open the
photos it uploaded; staff may open every photo (they read the evidence of every party).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Integer, String, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column
from starlette.requests import Request

from referee_shared.db.base import UtcDateTime

from .users import Base

# The leading bytes of the image formats phones save: JPEG, PNG, WebP, HEIC/HEIF.
_SIGNATURES: tuple[tuple[int, bytes, str], ...] = (
    (0, b"\xff\xd8\xff", "image/jpeg"),
    (0, b"\x89PNG\r\n\x1a\n", "image/png"),
    (8, b"WEBP", "image/webp"),
    (4, b"ftypheic", "image/heic"),
    (4, b"ftypheix", "image/heic"),
    (4, b"ftypmif1", "image/heif"),
)
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "image/heic": "heic", "image/heif": "heif"}


class NotAPhoto(ValueError):
    """The upload is empty, too large or not an image; the message says which."""


def media_type_of(content: bytes) -> str | None:
    for offset, signature, media_type in _SIGNATURES:
        if content[offset : offset + len(signature)] == signature:
            return media_type
    return None


class PhotoOwner(Base):
    __tablename__ = "console_photos"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    partner_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    media_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    stored_at: Mapped[datetime] = mapped_column(UtcDateTime())


@dataclass(frozen=True)
class StoredPhoto:
    sha256: str
    media_type: str
    size: int

    @property
    def name(self) -> str:
        return f"photo-{self.sha256[:12]}.{EXTENSIONS.get(self.media_type, 'img')}"

    def attachment(self) -> dict[str, str]:
        """The photo as the evidence record names it: by digest."""
        return {"name": self.name, "sha256": self.sha256, "media_type": self.media_type}


class Photos:
    def __init__(self, folder: Path, sessions: async_sessionmaker[AsyncSession], max_bytes: int) -> None:
        self._folder = folder
        self._sessions = sessions
        self.max_bytes = max_bytes

    def path(self, sha256: str) -> Path:
        return self._folder / sha256[:2] / sha256

    async def keep(self, content: bytes, partner_id: str) -> StoredPhoto:
        """Store the photo (once per content) and note that this partner holds it."""
        if not content:
            raise NotAPhoto("the photo is empty")
        if len(content) > self.max_bytes:
            raise NotAPhoto(f"the photo is larger than {self.max_bytes // (1024 * 1024)} MiB")
        media_type = media_type_of(content)
        if media_type is None:
            raise NotAPhoto("the file is not a JPEG, PNG, WebP or HEIC photo")
        digest = hashlib.sha256(content).hexdigest()
        target = self.path(digest)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_suffix(f".{os.getpid()}.part")
            partial.write_bytes(content)
            partial.replace(target)  # atomic: a reader never sees half a photo
        async with self._sessions() as session, session.begin():
            if await session.get(PhotoOwner, (digest, partner_id)) is None:
                session.add(
                    PhotoOwner(
                        sha256=digest,
                        partner_id=partner_id,
                        media_type=media_type,
                        size=len(content),
                        stored_at=datetime.now(UTC),
                    )
                )
        return StoredPhoto(digest, media_type, len(content))

    async def find(self, sha256: str, partner_id: str | None) -> StoredPhoto | None:
        """The photo if it is kept and, for a partner, one it uploaded itself; staff pass None."""
        async with self._sessions() as session:
            if partner_id is not None:
                owned = await session.get(PhotoOwner, (sha256, partner_id))
            else:
                owned = await session.scalar(select(PhotoOwner).where(PhotoOwner.sha256 == sha256).limit(1))
        if owned is None or not self.path(sha256).exists():
            return None
        return StoredPhoto(owned.sha256, owned.media_type, owned.size)


def photos(request: Request) -> Photos:
    """The photo store the app factory built."""
    found: Photos = request.app.state.photos
    return found
