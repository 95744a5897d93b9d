"""
A table row becomes an event of the platform's record shape (SPEC §3b), by the same rules as the
S3 producer (`handlers/event-producer/record-validation.ts`):

- transactionId: required, a non-blank string of at most 128 characters counted in Unicode code
  points, well-formed, without control characters, and not starting with `#` (the audit trail's
  reserved namespace, `handlers/lib/audit-keys.ts`);
- customerId: required, a non-blank well-formed string without control characters;
- eventType: required, a non-blank string;
- producedAt: optional; an ISO-8601 date-time WITH a zone and real calendar values
  (`2026-02-30T08:00:00Z` is refused), or a Spark TIMESTAMP; written as UTC with milliseconds, and
  stamped with the run's start when absent;
- riskRating: optional, LOW | MEDIUM | HIGH;
- payload: optional object (a struct or map column, or a string column holding a JSON object),
  passed through with every number exactly as stored (see `exact_json`).

A value of the wrong type is invalid, not coerced. Only these fields travel; other columns stay in
the table. Reasons name the field and what was expected, never the value of an id or payload.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any, Callable, Mapping

from .exact_json import NotJsonError, dumps

MAX_TRANSACTION_ID_LENGTH = 128
RISK_RATINGS = ("LOW", "MEDIUM", "HIGH")
# Kinesis counts the data blob and the partition key against its 1 MiB record limit.
KINESIS_MAX_RECORD_BYTES = 1024 * 1024
# Kinesis partition keys are at most 256 Unicode characters.
MAX_PARTITION_KEY_LENGTH = 256
# Every audit key that is not a record's own transaction id starts with this (audit-keys.ts).
RESERVED_ID_PREFIX = "#"
# Iceberg's metadata columns: the data file a row lives in and its 0-based position there.
FILE_COLUMN = "_file"
POSITION_COLUMN = "_pos"
EVENT_FIELDS = ("transactionId", "customerId", "eventType", "producedAt", "riskRating", "payload")


@dataclass(frozen=True)
class RowOutcome:
    """Either `data` + `partition_key` (valid) or `reason` (invalid); `audit_id` names the row either way."""

    audit_id: str
    data: bytes | None = None
    partition_key: str | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.reason is None


def record_position_key(source: str, position: int) -> str:
    """Audit key of a row without a usable transaction id, the shape of audit-keys.ts's
    `recordPositionKey`: `#record:<source>#<1-based position>`. For a Spark row the source is the
    Iceberg data file and the position the row's place in it, so the key finds the row again."""
    return f"{RESERVED_ID_PREFIX}record:{source}#{position}"


def row_audit_id(row: Mapping[str, Any], *, source: str, position: int) -> str:
    data_file, file_position = row.get(FILE_COLUMN), row.get(POSITION_COLUMN)
    if isinstance(data_file, str) and data_file and isinstance(file_position, int):
        return record_position_key(data_file, file_position + 1)
    return record_position_key(source, position)


def to_event(
    row: Mapping[str, Any],
    *,
    source: str,
    position: int,
    partition_key_prefix: str,
    now: Callable[[], datetime],
) -> RowOutcome:
    """`source` and `position` name the row when it has neither a usable id nor Iceberg's `_file`/`_pos`."""
    if not isinstance(row, dict) and not isinstance(row, Mapping):
        return RowOutcome(record_position_key(source, position), reason="row is not a record of named columns")

    transaction_id = row.get("transactionId")
    id_problem = transaction_id_problem(transaction_id)
    if id_problem is not None:
        return RowOutcome(row_audit_id(row, source=source, position=position), reason=id_problem)

    def fail(reason: str) -> RowOutcome:
        return RowOutcome(transaction_id, reason=reason)

    problem = _identifier_problem(row.get("customerId"), "customerId") or _required_string_problem(row.get("eventType"), "eventType")
    if problem is not None:
        return fail(problem)

    produced_at, problem = _produced_at(row.get("producedAt"), now)
    if problem is not None:
        return fail(problem)

    event: dict[str, Any] = {
        "transactionId": transaction_id,
        "customerId": row["customerId"],
        "eventType": row["eventType"],
        "producedAt": produced_at,
    }
    risk = row.get("riskRating")
    if risk is not None:
        if risk not in RISK_RATINGS or not isinstance(risk, str):
            if isinstance(risk, str):
                return fail(f"riskRating {_quote_short(risk)} is not one of {', '.join(RISK_RATINGS)}")
            return fail(f"riskRating must be one of {', '.join(RISK_RATINGS)}, got {describe_type(risk)}")
        event["riskRating"] = risk

    payload, problem = _payload(row.get("payload"))
    if problem is not None:
        return fail(problem)
    if payload is not None:
        event["payload"] = payload

    try:
        data = dumps(event, convert=_json_value, path="event").encode("utf-8")
    except NotJsonError as error:
        return fail(str(error).removeprefix("event."))
    partition_key = partition_key_prefix + transaction_id
    if len(partition_key) > MAX_PARTITION_KEY_LENGTH:
        return fail(f"partition key is {len(partition_key)} characters; Kinesis allows at most {MAX_PARTITION_KEY_LENGTH}")
    size = len(data) + len(partition_key.encode("utf-8"))
    if size > KINESIS_MAX_RECORD_BYTES:
        return fail(f"record is {size} bytes with its partition key; Kinesis accepts at most {KINESIS_MAX_RECORD_BYTES} bytes per record")
    return RowOutcome(transaction_id, data=data, partition_key=partition_key)


def transaction_id_problem(value: Any) -> str | None:
    """None when the value is usable as a transaction id (audit key, external id, partition key)."""
    problem = _identifier_problem(value, "transactionId")
    if problem is not None:
        return problem
    if len(value) > MAX_TRANSACTION_ID_LENGTH:
        # Python's len() counts code points, as the rule does (not UTF-16 units, not bytes).
        return f"transactionId is {len(value)} characters; at most {MAX_TRANSACTION_ID_LENGTH} are allowed"
    if value.startswith(RESERVED_ID_PREFIX):
        return f"transactionId starts with '{RESERVED_ID_PREFIX}', which is reserved for the audit trail's own keys"
    return None


def _required_string_problem(value: Any, field: str) -> str | None:
    if value is None:
        return f"{field} is missing"
    if not isinstance(value, str) or value.strip() == "":
        return f"{field} must be a non-empty string, got {describe_type(value)}"
    return None


def _identifier_problem(value: Any, field: str) -> str | None:
    if value is None:
        return f"{field} is missing"
    if not isinstance(value, str):
        return f"{field} must be a non-empty string, got {describe_type(value)}"
    if value.strip() == "":
        return f"{field} is blank"
    found = _NOT_IN_AN_ID.search(value)
    if found is not None:
        char, index = found.group(), found.start() + 1
        if 0xD800 <= ord(char) <= 0xDFFF:
            return f"{field} is not well-formed Unicode (a lone surrogate at character {index})"
        return f"{field} contains a control character (U+{ord(char):04X} at character {index})"
    return None


# Unicode's control characters (general category Cc: C0, DEL and C1) and lone surrogates.
_NOT_IN_AN_ID = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


# Date and time with a zone, as the S3 producer requires: a time without one means different
# instants in different places. Calendar values are checked by building the datetime.
_ISO_TIMESTAMP = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})$")


def parse_iso_timestamp(text: str) -> datetime | None:
    """The instant of an ISO-8601 date-time with a zone, or None when it is not one (or names no
    real calendar time, e.g. February 30th, hour 24, second 60). Checked the same on every Python."""
    match = _ISO_TIMESTAMP.match(text)
    if match is None:
        return None
    day, clock, seconds, fraction, zone = match.groups()
    normalised = f"{day}T{clock}:{seconds or '00'}"
    if fraction:
        normalised += "." + fraction[:6].ljust(6, "0")
    normalised += "+00:00" if zone == "Z" else (zone if ":" in zone else f"{zone[:3]}:{zone[3:]}")
    try:
        return datetime.fromisoformat(normalised)
    except ValueError:
        return None


def _produced_at(value: Any, now: Callable[[], datetime]) -> tuple[str | None, str | None]:
    if value is None:
        return iso_utc(now()), None
    if isinstance(value, datetime):
        return iso_utc(value), None
    if isinstance(value, str):
        moment = parse_iso_timestamp(value)
        if moment is None:
            return None, f"producedAt {_quote_short(value)} is not an ISO-8601 timestamp with a time zone (e.g. 2026-11-26T08:00:00Z)"
        return iso_utc(moment), None
    if isinstance(value, date):
        return None, "producedAt must be an ISO-8601 timestamp, got a date without a time"
    return None, f"producedAt must be an ISO-8601 timestamp string, got {describe_type(value)}"


def _payload(value: Any) -> tuple[dict[str, Any] | None, str | None]:
    if value is None:
        return None, None
    if isinstance(value, dict) or isinstance(value, Mapping):
        return dict(value), None
    if isinstance(value, str):
        try:
            # Numbers keep their digits: JSON text `1.10` stays `1.10` when the event is written.
            parsed = json.loads(value, parse_float=Decimal)
        except ValueError:
            return None, "payload is a string that is not JSON"
        if isinstance(parsed, dict):
            return parsed, None
        return None, f"payload must be a JSON object, got a JSON string holding {describe_type(parsed)}"
    return None, f"payload must be a JSON object, got {describe_type(value)}"


def iso_utc(moment: datetime) -> str:
    """`2026-11-26T08:00:00.000Z`. A naive datetime is the local time of this process: that is how
    PySpark hands out TIMESTAMP values (Glue runs in UTC, so there it is UTC)."""
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso_utc(value)
    if isinstance(value, date):
        return value.isoformat()
    # Anything else (e.g. a BINARY column's bytes) is refused by the writer: JSON has no type for it,
    # and picking an encoding would be coercion.
    return value


def describe_type(value: Any) -> str:
    """The JSON type of a value, for reasons (never the value itself); the S3 producer's wording."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float, Decimal)):
        return "a number"
    if isinstance(value, (list, tuple)):
        return "an array"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, str):
        return "a blank string" if value.strip() == "" else "a string"
    if isinstance(value, datetime):
        return "a timestamp"
    if isinstance(value, date):
        return "a date"
    return f"a value of type {type(value).__name__}"


def _quote_short(value: str) -> str:
    """Short enumerations and timestamps may be quoted; long values are cut so a reason stays a reason."""
    return json.dumps(value[:40] + "…" if len(value) > 40 else value, ensure_ascii=False)
