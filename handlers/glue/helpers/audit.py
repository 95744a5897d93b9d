"""
FAILED audit events for rows the job could not publish, in the platform's audit-event contract
(`handlers/lib/audit-event.ts`: transactionId, status, reason, component, occurredAt,
attributes), validated before sending and sent with SendMessageBatch, 10 per call, retrying only
the entries SQS did not accept. Events that could not be delivered are returned, never dropped.
"""
from __future__ import annotations

import json
import random as _random
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Iterator, Mapping, Sequence

from .backoff import RetryPolicy, retry_failed_entries

AUDIT_STATUSES = ("RECEIVED", "PUBLISHED", "PROCESSED", "FAILED")
MAX_TRANSACTION_ID_LENGTH = 1100
MAX_REASON_LENGTH = 1000
SQS_BATCH_LIMIT = 10
# SQS allows 256 KiB per batch; stay under it with room for the request envelope.
SQS_BATCH_BYTES = 250 * 1024

AuditEvent = dict[str, Any]


def truncate_reason(reason: str) -> str:
    """Shortens a reason to the contract's limit, keeping its start (where the cause is said)."""
    return reason if len(reason) <= MAX_REASON_LENGTH else reason[: MAX_REASON_LENGTH - 1] + "…"


def failed_event(
    transaction_id: str,
    reason: str,
    *,
    component: str,
    occurred_at: datetime,
    attributes: Mapping[str, str | int | float | bool] | None = None,
) -> AuditEvent:
    event: AuditEvent = {
        "transactionId": transaction_id,
        "status": "FAILED",
        "reason": truncate_reason(reason),
        "component": component,
        "occurredAt": occurred_at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }
    if attributes:
        event["attributes"] = dict(attributes)
    return event


def validate_audit_event(event: Any) -> str | None:
    """None when the event keeps the contract, else why not (same rules as the TypeScript side)."""
    if not isinstance(event, Mapping):
        return "audit event is not a JSON object"
    tid = event.get("transactionId")
    if not isinstance(tid, str) or tid.strip() == "":
        return "transactionId is missing or blank"
    if len(tid) > MAX_TRANSACTION_ID_LENGTH:
        return f"transactionId is longer than {MAX_TRANSACTION_ID_LENGTH} characters"
    status = event.get("status")
    if status not in AUDIT_STATUSES:
        return f"status must be one of {', '.join(AUDIT_STATUSES)}, got {json.dumps(status, default=str)}"
    reason = event.get("reason")
    if reason is not None and not isinstance(reason, str):
        return "reason must be a string"
    if status == "FAILED" and (not isinstance(reason, str) or reason.strip() == ""):
        return "a FAILED event needs a reason"
    component = event.get("component")
    if not isinstance(component, str) or component.strip() == "":
        return "component is missing or blank"
    occurred = event.get("occurredAt")
    if not isinstance(occurred, str) or not _is_time(occurred):
        return "occurredAt is not an ISO-8601 time"
    attributes = event.get("attributes")
    if attributes is not None:
        if not isinstance(attributes, Mapping):
            return "attributes must be an object"
        for key, value in attributes.items():
            if not isinstance(value, (str, int, float, bool)):
                return f"attribute {key} must be a string, number or boolean"
    return None


def _is_time(text: str) -> bool:
    try:
        datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


@dataclass
class AuditSendResult:
    sent: int = 0
    failed: list[tuple[AuditEvent, str]] = field(default_factory=list)
    calls: int = 0


class AuditSender:
    def __init__(
        self,
        sqs: Any,
        queue_url: str,
        *,
        max_attempts: int = 4,
        base_delay_s: float = 0.1,
        max_delay_s: float = 2.0,
        sleep: Callable[[float], None] = time.sleep,
        random: Callable[[], float] = _random.random,
    ) -> None:
        self._sqs = sqs
        self._queue_url = queue_url
        self._retry = RetryPolicy(max_attempts, base_delay_s, max_delay_s, sleep, random)

    def send(self, events: Sequence[AuditEvent]) -> AuditSendResult:
        result = AuditSendResult()
        valid = []
        for event in events:
            problem = validate_audit_event(event)
            if problem is None:
                valid.append(event)
            else:
                result.failed.append((event, f"audit event breaks the contract: {problem}"))
        for batch in _batches(valid):
            self._send_batch(batch, result)
        return result

    def _send_batch(self, batch: list[AuditEvent], result: AuditSendResult) -> None:
        def call(pending: list[tuple[str, AuditEvent]], _attempt: int) -> list[tuple[tuple[str, AuditEvent], str]]:
            result.calls += 1
            response = self._sqs.send_message_batch(
                QueueUrl=self._queue_url,
                Entries=[{"Id": entry_id, "MessageBody": json.dumps(event)} for entry_id, event in pending],
            )
            failed = {f["Id"]: f"{f.get('Code', 'error')}: {f.get('Message', 'no message')}" for f in response.get("Failed", [])}
            result.sent += len(pending) - len(failed)
            return [((entry_id, event), failed[entry_id]) for entry_id, event in pending if entry_id in failed]

        # Batch entry ids are the event's position in the batch, unique per call as SQS requires.
        undelivered = retry_failed_entries([(str(i), event) for i, event in enumerate(batch)], call, self._retry)
        result.failed.extend((event, f"audit queue did not accept the event: {reason}") for (_, event), reason in undelivered)


def _batches(events: Sequence[AuditEvent]) -> Iterator[list[AuditEvent]]:
    batch: list[AuditEvent] = []
    size = 0
    for event in events:
        event_size = len(json.dumps(event).encode("utf-8"))
        if batch and (len(batch) == SQS_BATCH_LIMIT or size + event_size > SQS_BATCH_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(event)
        size += event_size
    if batch:
        yield batch
