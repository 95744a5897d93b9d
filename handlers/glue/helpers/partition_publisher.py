"""
What each Spark task runs: the rows of one partition become events, published to Kinesis with the
task's own clients, rejected rows audited FAILED, and a summary of the partition handed back to the
driver through an accumulator (`SummaryList`).

Spark applies an accumulator update of a task inside an action exactly once, and only for the
attempt that succeeded, so the driver's counts never include a partition twice even when Spark
retries a task. (The retried partition's events may reach the stream twice; every event carries its
transactionId, the consumer's idempotency key, in the data and in the partition key.)

A whole-call Kinesis failure (`StreamUnavailableError`) ends the partition: its summary carries the
error, the driver fails the run, and the bookmark stays where it was.
"""
from __future__ import annotations

import os
import socket
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Callable, Iterable, Mapping

from .audit import AuditSender, failed_event
from .json_log import JsonLogger
from .kinesis_publisher import MAX_RECORDS_PER_CALL, KinesisPublisher, OutgoingRecord, StreamUnavailableError
from .records import to_event

# FAILED audit events are sent once this many are waiting (SQS takes 10 per call).
AUDIT_FLUSH_EVENTS = 100


@dataclass(frozen=True)
class PublishSettings:
    """Everything a task needs, pickled to the executors with the task. No credentials: every
    executor gets them from the job role (or the environment)."""

    stream_name: str
    audit_queue_url: str
    table: str
    job_name: str
    audit_component: str
    partition_key_prefix: str
    # ISO-8601 UTC start of the run: stamps rows without producedAt and every FAILED audit event, so
    # a retried task sends identical events (which the audit processor recognises as duplicates).
    run_started_at: str
    # The snapshot range being published, named in the audit events (`from..to`).
    snapshots: str
    region: str | None = None
    # Only for the local emulator; AWS itself is reached at its own endpoints.
    endpoint_url: str | None = None
    batch_records: int = MAX_RECORDS_PER_CALL
    kinesis_max_attempts: int = 5
    retry_base_delay_s: float = 0.1
    retry_max_delay_s: float = 5.0


@dataclass
class PartitionSummary:
    partition: int
    attempt: int = 0
    pid: int = 0
    host: str = ""
    read: int = 0
    processed: int = 0
    succeeded: int = 0
    failed: int = 0
    retried_ok: int = 0
    put_records_calls: int = 0
    audit_sent: int = 0
    audit_undelivered: int = 0
    error: str | None = None
    error_code: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class SummaryList:
    """Accumulator parameter (Spark's `AccumulatorParam` protocol) collecting partition summaries."""

    def zero(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return []

    def addInPlace(self, value1: list[dict[str, Any]], value2: list[dict[str, Any]]) -> list[dict[str, Any]]:  # noqa: N802 (Spark's name)
        value1.extend(value2)
        return value1


@dataclass
class _Pending:
    events: list[OutgoingRecord] = field(default_factory=list)
    audits: list[dict[str, Any]] = field(default_factory=list)


def publish_rows(
    rows: Iterable[Mapping[str, Any]],
    settings: PublishSettings,
    *,
    kinesis: Any,
    sqs: Any,
    logger: JsonLogger,
    partition: int = 0,
    sleep: Callable[[float], None] | None = None,
) -> PartitionSummary:
    """The partition's work with injected clients (tested against moto without Spark)."""
    summary = PartitionSummary(partition=partition, pid=os.getpid(), host=socket.gethostname())
    retry = {"base_delay_s": settings.retry_base_delay_s, "max_delay_s": settings.retry_max_delay_s}
    if sleep is not None:
        retry["sleep"] = sleep  # type: ignore[assignment]
    publisher = KinesisPublisher(kinesis, settings.stream_name, max_attempts=settings.kinesis_max_attempts, **retry)  # type: ignore[arg-type]
    audit = AuditSender(sqs, settings.audit_queue_url, **({"sleep": sleep} if sleep is not None else {}))
    started = datetime.fromisoformat(settings.run_started_at.replace("Z", "+00:00"))
    pending = _Pending()

    def failed(audit_id: str, reason: str, row: Mapping[str, Any] | None) -> dict[str, Any]:
        attributes: dict[str, Any] = {"source": settings.table, "job": settings.job_name, "snapshots": settings.snapshots}
        if row is not None and isinstance(row.get("_file"), str):
            attributes["file"] = row["_file"]
            attributes["position"] = int(row.get("_pos", -1)) + 1
        return failed_event(audit_id, reason, component=settings.audit_component, occurred_at=started, attributes=attributes)

    def flush_events() -> None:
        if not pending.events:
            return
        batch, pending.events = pending.events, []
        try:
            result = publisher.publish(batch)
        except StreamUnavailableError as error:
            if error.partial is not None:
                _count_published(error.partial, summary, pending, failed, logger)
            raise
        _count_published(result, summary, pending, failed, logger)

    def flush_audits() -> None:
        if not pending.audits:
            return
        batch, pending.audits = pending.audits, []
        result = audit.send(batch)
        summary.audit_sent += result.sent
        summary.audit_undelivered += len(result.failed)
        for event, reason in result.failed:
            logger.error("audit event not delivered", correlationId=event.get("transactionId"), reason=reason)

    try:
        for position, row in enumerate(rows, start=1):
            summary.read += 1
            outcome = to_event(
                row,
                source=f"{settings.table}@{settings.snapshots}/partition-{partition}",
                position=position,
                partition_key_prefix=settings.partition_key_prefix,
                now=lambda: started,
            )
            if outcome.ok:
                summary.processed += 1
                pending.events.append(OutgoingRecord(outcome.audit_id, outcome.data or b"", outcome.partition_key or ""))
            else:
                summary.failed += 1
                logger.warn("row rejected", correlationId=outcome.audit_id, reason=outcome.reason)
                pending.audits.append(failed(outcome.audit_id, outcome.reason or "invalid row", row))
            if len(pending.events) >= settings.batch_records:
                flush_events()
            if len(pending.audits) >= AUDIT_FLUSH_EVENTS:
                flush_audits()
        flush_events()
    except StreamUnavailableError as error:
        summary.error = str(error)
        summary.error_code = error.code
        logger.error("partition stopped: the stream cannot be written", partition=partition, error=error, code=error.code)
    finally:
        # Rows already counted as failed are audited even when the partition stopped early.
        flush_audits()
    return summary


def _count_published(result: Any, summary: PartitionSummary, pending: _Pending, failed: Callable[..., dict[str, Any]], logger: JsonLogger) -> None:
    summary.succeeded += result.succeeded
    summary.retried_ok += result.retried_ok
    summary.put_records_calls += result.calls
    summary.failed += len(result.failed)
    for record, reason in result.failed:
        logger.error("event not accepted by Kinesis", correlationId=record.audit_id, reason=reason)
        pending.audits.append(failed(record.audit_id, f"not accepted by Kinesis after retries: {reason}", None))


def publish_partition(rows: Iterable[Any], settings: PublishSettings, summaries: Any) -> None:
    """Spark's `foreachPartition` entry point, run on an executor: its own boto3 clients, one
    summary added to the `summaries` accumulator."""
    import boto3  # on the executor: not imported where the helpers are only validated
    from botocore.config import Config
    from pyspark import TaskContext  # type: ignore[import-not-found]

    context = TaskContext.get()
    partition = context.partitionId() if context is not None else 0
    client_config = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=5, read_timeout=30)
    session = boto3.session.Session()
    clients = {
        name: session.client(name, region_name=settings.region, endpoint_url=settings.endpoint_url, config=client_config)
        for name in ("kinesis", "sqs")
    }
    logger = JsonLogger(settings.audit_component).child(job=settings.job_name, table=settings.table, partition=partition)
    summary = publish_rows(
        (row.asDict(recursive=True) if hasattr(row, "asDict") else row for row in rows),
        settings,
        kinesis=clients["kinesis"],
        sqs=clients["sqs"],
        logger=logger,
        partition=partition,
    )
    summary.attempt = context.attemptNumber() if context is not None else 0
    logger.info("partition published", **{k: v for k, v in summary.to_dict().items() if k not in ("partition",)})
    summaries.add([summary.to_dict()])
