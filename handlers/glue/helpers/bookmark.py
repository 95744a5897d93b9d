"""
The job's bookmark: the Iceberg snapshot id up to which rows were published, kept durably between
runs and advanced only after a run succeeded.

Where it lives, and why: one item in the platform's audit table, under the reserved key
`#glue-bookmark:<job name>` (`handlers/lib/audit-keys.ts` reserves every key starting with `#`;
no transaction id can take it). That table is already encrypted with the platform key, has
point-in-time recovery (a wrongly moved bookmark can be restored) and deletion protection in prod,
and it stays with the audit history: a region migration that copies the table carries it along, so
the job in the new region carries on where the old one stopped. A conditional write makes the advance a compare-and-set: a run that
finds the bookmark moved by someone else since it started fails instead of overwriting it. The job
role may read and write that one item only (IAM condition `dynamodb:LeadingKeys`).

The item carries no `status`, so it is never in the status index and no audit view lists it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

BOOKMARK_KEY_PREFIX = "#glue-bookmark:"
KEY_ATTRIBUTE = "transactionId"


def bookmark_key(job_name: str) -> str:
    """Must equal `glueBookmarkKey` in handlers/lib/audit-keys.ts (the IAM condition is built from that one)."""
    return f"{BOOKMARK_KEY_PREFIX}{job_name}"


@dataclass(frozen=True)
class Bookmark:
    snapshot_id: int
    table: str
    advanced_at: str
    run_id: str = ""


class BookmarkConflictError(RuntimeError):
    """The bookmark changed while this run was working: another run (or a person) moved it."""


class BookmarkStore:
    def __init__(self, dynamodb: Any, table_name: str, job_name: str) -> None:
        if not table_name or not job_name:
            raise ValueError("the bookmark needs the audit table's name and the job's name")
        self._dynamodb = dynamodb
        self._table_name = table_name
        self.key = bookmark_key(job_name)

    def read(self) -> Bookmark | None:
        response = self._dynamodb.get_item(TableName=self._table_name, Key={KEY_ATTRIBUTE: {"S": self.key}}, ConsistentRead=True)
        item = response.get("Item")
        if not item:
            return None
        return Bookmark(
            snapshot_id=int(item["snapshotId"]["S"]),
            table=item["table"]["S"],
            advanced_at=item["advancedAt"]["S"],
            run_id=item.get("runId", {}).get("S", ""),
        )

    def advance(self, previous: Bookmark | None, new: Bookmark) -> None:
        """Writes `new` only if the stored bookmark is still `previous` (absent when None)."""
        item = {
            KEY_ATTRIBUTE: {"S": self.key},
            "kind": {"S": "glue-bookmark"},
            # A string: snapshot ids are 64-bit and must come back digit for digit.
            "snapshotId": {"S": str(new.snapshot_id)},
            "table": {"S": new.table},
            "advancedAt": {"S": new.advanced_at},
            "runId": {"S": new.run_id or "unknown"},
        }
        if previous is None:
            condition: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(#k)", "ExpressionAttributeNames": {"#k": KEY_ATTRIBUTE}}
        else:
            condition = {
                "ConditionExpression": "snapshotId = :previous",
                "ExpressionAttributeValues": {":previous": {"S": str(previous.snapshot_id)}},
            }
        try:
            self._dynamodb.put_item(TableName=self._table_name, Item=item, **condition)
        except Exception as error:
            if _error_code(error) == "ConditionalCheckFailedException":
                was = "absent" if previous is None else f"at snapshot {previous.snapshot_id}"
                raise BookmarkConflictError(
                    f"bookmark {self.key} changed during the run (it was {was} when the run started); it was not moved"
                ) from error
            raise


def _error_code(error: BaseException) -> str | None:
    response = getattr(error, "response", None)
    return response.get("Error", {}).get("Code") if isinstance(response, dict) else None
