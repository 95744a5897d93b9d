"""
Retry timing and the retry loop shared by the Kinesis publisher and the audit sender: batch APIs
(PutRecords, SendMessageBatch) that accept some entries and refuse others, retried with exponential
backoff and full jitter until every entry is in or the attempts run out.
"""
from __future__ import annotations

import random as _random
import time
from dataclasses import dataclass
from typing import Callable, Sequence, TypeVar

T = TypeVar("T")


def backoff_delay(attempt: int, base_s: float, max_s: float, random: Callable[[], float]) -> float:
    """Seconds to wait before retry number `attempt` (1 for the first retry)."""
    ceiling = min(max_s, base_s * 2 ** (attempt - 1))
    return random() * ceiling


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to retry; `sleep` and `random` are injectable for tests."""

    max_attempts: int
    base_delay_s: float
    max_delay_s: float
    sleep: Callable[[float], None] = time.sleep
    random: Callable[[], float] = _random.random


def retry_failed_entries(
    entries: Sequence[T],
    call: Callable[[list[T], int], list[tuple[T, str]]],
    policy: RetryPolicy,
    propagate: tuple[type[BaseException], ...] = (),
) -> list[tuple[T, str]]:
    """
    Calls `call(pending, attempt)` with the entries not accepted yet, sleeping before each retry.
    `call` returns the entries that failed in that call, each with why. An exception from `call` is a
    whole-call failure (throttling, network): every entry of that call is retried, with the error as
    its reason — unless it is one of `propagate`, which leaves at once (an error no retry can fix,
    such as a stream that does not exist). Returns the entries that never got in, with their last reason.
    """
    pending: list[tuple[T, str]] = [(entry, "") for entry in entries]
    for attempt in range(1, policy.max_attempts + 1):
        if not pending:
            break
        if attempt > 1:
            policy.sleep(backoff_delay(attempt - 1, policy.base_delay_s, policy.max_delay_s, policy.random))
        items = [entry for entry, _ in pending]
        try:
            pending = call(items, attempt)
        except propagate:
            raise
        except Exception as error:
            reason = f"{type(error).__name__}: {error}"
            pending = [(entry, reason) for entry in items]
    return pending
