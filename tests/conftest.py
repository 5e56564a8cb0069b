"""Every test runs as a development machine would: each data folder gets its own generated token secret."""

from __future__ import annotations

import os

os.environ.setdefault("REFEREE_LOCAL_MODE", "true")
