"""Which snapshot range a run publishes (the Spark reads themselves are tested in test_job_on_spark.py)."""
from __future__ import annotations

import pytest

from helpers.increment import Increment, plan_increment


@pytest.mark.parametrize(
    ("bookmark", "current", "first_run", "expected"),
    [
        (None, None, "all", Increment("empty-table")),
        (5, None, "all", Increment("empty-table")),
        (None, 9, "all", Increment("everything", end_snapshot=9)),
        (None, 9, "from-current", Increment("start-here", end_snapshot=9)),
        (9, 9, "all", Increment("up-to-date", end_snapshot=9)),
        (5, 9, "from-current", Increment("appended", end_snapshot=9, start_exclusive=5)),
    ],
)
def test_the_increment_follows_the_bookmark(bookmark, current, first_run, expected):
    assert plan_increment(bookmark, current, first_run) == expected


def test_only_increments_with_rows_read_and_only_those_with_a_new_end_move_the_bookmark():
    assert [(k, Increment(k).reads_rows, Increment(k).moves_bookmark) for k in ("empty-table", "up-to-date", "everything", "start-here", "appended")] == [
        ("empty-table", False, False),
        ("up-to-date", False, False),
        ("everything", True, True),
        ("start-here", False, True),
        ("appended", True, True),
    ]


def test_an_unknown_first_run_mode_is_refused():
    with pytest.raises(ValueError, match="first run mode must be one of all, from-current"):
        plan_increment(None, 1, "everything")
