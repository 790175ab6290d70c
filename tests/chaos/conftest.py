"""The chaos suite takes minutes: collected only when ``CHAOS=1`` (``scripts/chaos`` sets it)."""

from __future__ import annotations

import os

collect_ignore_glob = [] if os.environ.get("CHAOS") == "1" else ["test_*.py"]
