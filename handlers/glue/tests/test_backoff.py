"""The retry loop the publisher and the audit sender share: retries only what failed, with backoff."""
from __future__ import annotations

from helpers.backoff import RetryPolicy, backoff_delay, retry_failed_entries


def test_backoff_doubles_up_to_the_ceiling_with_full_jitter():
    assert [backoff_delay(n, 0.1, 0.5, lambda: 1.0) for n in (1, 2, 3, 4)] == [0.1, 0.2, 0.4, 0.5]
    assert backoff_delay(3, 0.1, 0.5, lambda: 0.5) == 0.2


def test_only_failed_entries_are_sent_again_and_whole_call_errors_retry_everything():
    calls: list[tuple[list[str], int]] = []
    waits: list[float] = []

    def call(pending: list[str], attempt: int) -> list[tuple[str, str]]:
        calls.append((pending, attempt))
        if attempt == 1:
            raise TimeoutError("read timed out")
        return [(entry, "Throttled") for entry in pending if entry == "b" and attempt == 2]

    left = retry_failed_entries(["a", "b", "c"], call, RetryPolicy(4, 0.1, 5.0, sleep=waits.append, random=lambda: 1.0))

    assert left == []
    assert calls == [(["a", "b", "c"], 1), (["a", "b", "c"], 2), (["b"], 3)]
    assert waits == [0.1, 0.2]


def test_entries_that_never_get_in_come_back_with_their_last_reason():
    answers = iter([[("x", "first")], [("x", "second")]])
    left = retry_failed_entries(["x", "y"], lambda pending, _attempt: next(answers), RetryPolicy(2, 0.1, 1.0, sleep=lambda _: None))
    assert left == [("x", "second")]
    left = retry_failed_entries(["z"], lambda pending, _attempt: (_ for _ in ()).throw(ConnectionError("reset")), RetryPolicy(3, 0.1, 1.0, sleep=lambda _: None))
    assert left == [("z", "ConnectionError: reset")]
