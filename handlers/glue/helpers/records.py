"""
A table row becomes an event of the platform's record shape (SPEC §3b):
transactionId, customerId, eventType (required, non-empty strings; transactionId at most 128
characters), producedAt (optional ISO-8601, stamped when absent), riskRating (optional
LOW | MEDIUM | HIGH) and payload (optional object). A value of the wrong type is invalid, not
coerced — with two exceptions that come from Spark itself, not from the data: a timestamp column
arrives as `datetime`, and a payload stored as a JSON string column is parsed when it holds an object.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any, Callable, Mapping

MAX_TRANSACTION_ID_LENGTH = 128
RISK_RATINGS = ("LOW", "MEDIUM", "HIGH")
# Kinesis counts the data blob and the partition key against its 1 MiB record limit.
KINESIS_MAX_RECORD_BYTES = 1024 * 1024
MAX_PARTITION_KEY_LENGTH = 256


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


def row_audit_id(source: str, position: int) -> str:
    """Audit key of a row without a usable transaction id: `<table>#<1-based row number>`."""
    return f"{source}#{position}"


def to_event(
    row: Mapping[str, Any],
    *,
    source: str,
    position: int,
    partition_key_prefix: str,
    now: Callable[[], datetime],
) -> RowOutcome:
    fallback_id = row_audit_id(source, position)
    if not isinstance(row, Mapping):
        return RowOutcome(fallback_id, reason="row is not a record of named columns")

    transaction_id = row.get("transactionId")
    id_problem = _required_string(transaction_id, "transactionId")
    if id_problem is None and len(transaction_id) > MAX_TRANSACTION_ID_LENGTH:
        id_problem = f"transactionId is longer than {MAX_TRANSACTION_ID_LENGTH} characters"
    if id_problem is not None:
        return RowOutcome(fallback_id, reason=id_problem)

    problem = _required_string(row.get("customerId"), "customerId") or _required_string(row.get("eventType"), "eventType")
    if problem is not None:
        return RowOutcome(transaction_id, reason=problem)

    produced_at, problem = _produced_at(row.get("producedAt"), now)
    if problem is not None:
        return RowOutcome(transaction_id, reason=problem)

    event: dict[str, Any] = {
        "transactionId": transaction_id,
        "customerId": row["customerId"],
        "eventType": row["eventType"],
        "producedAt": produced_at,
    }
    risk = row.get("riskRating")
    if risk is not None:
        if not isinstance(risk, str) or risk not in RISK_RATINGS:
            return RowOutcome(transaction_id, reason=f"riskRating must be one of {', '.join(RISK_RATINGS)}, got {_show(risk)}")
        event["riskRating"] = risk

    payload, problem = _payload(row.get("payload"))
    if problem is not None:
        return RowOutcome(transaction_id, reason=problem)
    if payload is not None:
        event["payload"] = payload

    try:
        data = json.dumps(event, separators=(",", ":"), ensure_ascii=False, default=_json_value).encode("utf-8")
    except (TypeError, ValueError) as error:
        return RowOutcome(transaction_id, reason=f"payload cannot be written as JSON: {error}")
    partition_key = partition_key_prefix + transaction_id
    if len(partition_key) > MAX_PARTITION_KEY_LENGTH:
        return RowOutcome(transaction_id, reason=f"partition key is longer than Kinesis's {MAX_PARTITION_KEY_LENGTH} characters")
    size = len(data) + len(partition_key.encode("utf-8"))
    if size > KINESIS_MAX_RECORD_BYTES:
        return RowOutcome(transaction_id, reason=f"event is {size} bytes; Kinesis accepts at most {KINESIS_MAX_RECORD_BYTES}")
    return RowOutcome(transaction_id, data=data, partition_key=partition_key)


def _required_string(value: Any, field: str) -> str | None:
    if value is None:
        return f"{field} is missing"
    if not isinstance(value, str):
        return f"{field} must be a string, got {_type_name(value)}"
    if value.strip() == "":
        return f"{field} is blank"
    return None


def _produced_at(value: Any, now: Callable[[], datetime]) -> tuple[str | None, str | None]:
    if value is None:
        return _iso(now()), None
    if isinstance(value, datetime):
        return _iso(value), None
    if isinstance(value, str):
        if not is_iso_time(value):
            return None, f"producedAt is not an ISO-8601 time: {_show(value)}"
        return value, None
    return None, f"producedAt must be an ISO-8601 string, got {_type_name(value)}"


_ISO_TIME = re.compile(
    r"^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2})?)(?:\.(\d{1,9}))?(Z|z|[+-]\d{2}:?\d{2})?)?$"
)


def is_iso_time(text: str) -> bool:
    """ISO-8601 date or date-time, checked the same on Glue 4.0's Python 3.10 (whose
    `fromisoformat` rejects `Z` and 1–9 digit fractions) as on newer Pythons."""
    match = _ISO_TIME.match(text)
    if match is None:
        return False
    day, clock, fraction, zone = match.groups()
    normalised = day
    if clock is not None:
        normalised += "T" + clock
        if fraction:
            normalised += "." + fraction[:6].ljust(6, "0")
        if zone in ("Z", "z"):
            normalised += "+00:00"
        elif zone:
            normalised += zone if ":" in zone else zone[:3] + ":" + zone[3:]
    try:
        datetime.fromisoformat(normalised)
    except ValueError:
        return False
    return True


def _payload(value: Any) -> tuple[dict[str, Any] | None, str | None]:
    if value is None:
        return None, None
    if isinstance(value, Mapping):
        return dict(value), None
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError:
            return None, "payload is a string that is not JSON"
        if isinstance(parsed, dict):
            return parsed, None
        return None, f"payload must be an object, got JSON {_type_name(parsed)}"
    return None, f"payload must be an object, got {_type_name(value)}"


def _iso(moment: datetime) -> str:
    """Spark hands out naive datetimes in the session time zone, which Glue keeps at UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _json_value(value: Any) -> Any:
    # Decimal columns keep every digit as a string: a float would round money amounts.
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return _iso(value)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{_type_name(value)} is not a JSON value")


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float, Decimal)):
        return "number"
    if isinstance(value, list):
        return "array"
    if isinstance(value, (dict, Mapping)):
        return "object"
    if isinstance(value, str):
        return "string"
    if value is None:
        return "null"
    return type(value).__name__


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:59] + "…"
