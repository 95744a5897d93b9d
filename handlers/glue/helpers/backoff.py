"""Retry timing shared by the publisher and the audit sender: exponential backoff with full jitter."""
from __future__ import annotations

from typing import Callable


def backoff_delay(attempt: int, base_s: float, max_s: float, random: Callable[[], float]) -> float:
    """Seconds to wait before retry number `attempt` (1 for the first retry)."""
    ceiling = min(max_s, base_s * 2 ** (attempt - 1))
    return random() * ceiling
