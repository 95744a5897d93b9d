"""
Which rows a run publishes: those appended to the Iceberg table since the bookmark's snapshot, up
to the table's current snapshot (read once at the start, so rows appended during the run wait for
the next one).

- First run (no bookmark): `all` publishes every row of the current snapshot; `from-current`
  publishes nothing and starts the bookmark at the current snapshot (for a table whose history was
  already delivered, e.g. by the job this one replaces).
- Later runs read Iceberg's incremental append scan between the two snapshots
  (`start-snapshot-id` exclusive, `end-snapshot-id` inclusive). That scan sees APPEND snapshots
  only: rows changed by UPDATE or MERGE, or removed by DELETE, are not published again and no
  retraction is sent; compaction (`rewrite_data_files`) republishes nothing. New rows
  committed by a MERGE INTO or INSERT OVERWRITE (`overwrite` snapshots) are not read at all:
  `unpublished_snapshots` names them so the run can say so.
- A bookmark that is no longer an ancestor of the current snapshot (the table was rolled back, or
  the bookmark's snapshot expired) fails the run with what to do: guessing would lose or repeat rows.

Spark is never imported here: the driver passes its session in.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

FIRST_RUN_MODES = ("all", "from-current")


@dataclass(frozen=True)
class Increment:
    """`kind`: `empty-table` (no snapshot yet), `up-to-date` (nothing new), `everything` (first run,
    all rows), `start-here` (first run, bookmark only) or `appended` (rows since `start_exclusive`)."""

    kind: str
    end_snapshot: int | None = None
    start_exclusive: int | None = None

    @property
    def reads_rows(self) -> bool:
        return self.kind in ("everything", "appended")

    @property
    def moves_bookmark(self) -> bool:
        return self.kind in ("everything", "appended", "start-here")


class BookmarkNotAncestorError(RuntimeError):
    """The bookmark's snapshot is not in the table's current history."""


def plan_increment(bookmark_snapshot: int | None, current_snapshot: int | None, first_run: str) -> Increment:
    if first_run not in FIRST_RUN_MODES:
        raise ValueError(f"first run mode must be one of {', '.join(FIRST_RUN_MODES)}, got {first_run!r}")
    if current_snapshot is None:
        return Increment("empty-table")
    if bookmark_snapshot is None:
        return Increment("everything" if first_run == "all" else "start-here", end_snapshot=current_snapshot)
    if bookmark_snapshot == current_snapshot:
        return Increment("up-to-date", end_snapshot=current_snapshot)
    return Increment("appended", end_snapshot=current_snapshot, start_exclusive=bookmark_snapshot)


def current_snapshot_id(spark: Any, table: str) -> int | None:
    """Head of the table's `main` branch, or None for a table nothing was ever written to."""
    rows = spark.sql(f"SELECT snapshot_id FROM {table}.refs WHERE name = 'main'").collect()
    return int(rows[0][0]) if rows else None


def check_bookmark_in_history(spark: Any, table: str, bookmark_snapshot: int, current_snapshot: int) -> None:
    found = spark.sql(
        f"SELECT count(*) FROM {table}.history WHERE snapshot_id = {int(bookmark_snapshot)} AND is_current_ancestor"
    ).collect()[0][0]
    if not found:
        raise BookmarkNotAncestorError(
            f"the bookmark's snapshot {bookmark_snapshot} is not an ancestor of {table}'s current snapshot "
            f"{current_snapshot} (the table was rolled back, or that snapshot expired); nothing was published. "
            "Find the last snapshot whose rows were delivered and set the bookmark item's snapshotId to it "
            "(docs/operations.md, 'Glue bookmark')."
        )


def unpublished_snapshots(spark: Any, table: str, increment: Increment) -> list[dict[str, Any]]:
    """Snapshots in an `appended` range that added rows the incremental scan does not read: rows
    written by MERGE INTO, INSERT OVERWRITE or an UPDATE's rewrite are committed as `overwrite`, not
    `append`. The run publishes what was appended and names these in its log, so a table whose writers
    upsert instead of appending is noticed instead of silently skipped."""
    if increment.kind != "appended":
        return []
    rows = spark.sql(f"SELECT snapshot_id, parent_id, operation, summary['added-records'] FROM {table}.snapshots").collect()
    snapshots = {int(r[0]): (None if r[1] is None else int(r[1]), r[2], int(r[3] or 0)) for r in rows}
    found: list[dict[str, Any]] = []
    # Walk the ancestry from the end back to the bookmark (exclusive), newest first.
    current = increment.end_snapshot
    while current is not None and current != increment.start_exclusive and current in snapshots:
        parent, operation, added = snapshots[current]
        if operation != "append" and added > 0:
            found.append({"snapshot": current, "operation": operation, "addedRecords": added})
        current = parent
    return list(reversed(found))


def read_increment(spark: Any, table: str, increment: Increment) -> Any:
    """The increment's rows as a DataFrame, with Iceberg's `_file` and `_pos` so that a row without a
    usable id can still be named in the audit trail."""
    reader = spark.read.format("iceberg")
    if increment.kind == "everything":
        reader = reader.option("snapshot-id", str(increment.end_snapshot))
    elif increment.kind == "appended":
        reader = reader.option("start-snapshot-id", str(increment.start_exclusive)).option("end-snapshot-id", str(increment.end_snapshot))
    else:
        raise ValueError(f"increment {increment.kind} reads no rows")
    return reader.load(table).select("*", "_file", "_pos")
