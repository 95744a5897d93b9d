"""
Glue (PySpark) job: reads an Iceberg table and publishes every row as an event to a pipeline's
Kinesis stream (the record shape of the S3 producer), for an external consumer such as TMS.

Per run it counts RecordsRead, RecordsProcessed (rows turned into events), RecordsSucceeded
(accepted by Kinesis) and RecordsFailed (invalid, or not accepted after retries), audits every
failed row as FAILED with a reason, and ends with JobRunSuccess — or, on ANY exception, records
JobRunFailure and flushes the metrics before re-raising, so a failed run is visible on the
dashboards even though Glue marks the run FAILED only after the script has gone.

Spark and awsglue are imported inside `main` only: everything else runs (and is tested) without them.
Job arguments (set by the GlueJob component as default arguments):
  --STREAM_NAME --ICEBERG_TABLE --METRIC_NAMESPACE --ENVIRONMENT --AUDIT_QUEUE_URL
  --PARTITION_KEY_PREFIX --AUDIT_COMPONENT (and --JOB_NAME, which Glue passes itself)
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, Mapping, Sequence, TypeVar

from helpers.audit import AuditSender, failed_event
from helpers.json_log import JsonLogger
from helpers.kinesis_publisher import KinesisPublisher, OutgoingRecord
from helpers.metrics import JobMetrics
from helpers.records import to_event

JOB_ARGUMENTS = (
    "JOB_NAME",
    "STREAM_NAME",
    "ICEBERG_TABLE",
    "METRIC_NAMESPACE",
    "ENVIRONMENT",
    "AUDIT_QUEUE_URL",
    "PARTITION_KEY_PREFIX",
    "AUDIT_COMPONENT",
)
# Rows are published in chunks of one PutRecords call, so the driver never holds the table.
CHUNK_SIZE = 500
RECORD_COUNTS = ("RecordsRead", "RecordsProcessed", "RecordsSucceeded", "RecordsFailed")

T = TypeVar("T")


class AuditDeliveryError(RuntimeError):
    """Some FAILED audit events could not be delivered: the run must fail so someone looks."""


@dataclass(frozen=True)
class JobConfig:
    job_name: str
    stream_name: str
    iceberg_table: str
    metric_namespace: str
    environment: str
    audit_queue_url: str
    partition_key_prefix: str
    audit_component: str

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> "JobConfig":
        missing = [name for name in JOB_ARGUMENTS if not args.get(name)]
        if missing:
            raise ValueError(f"job arguments missing or empty: {', '.join('--' + m for m in missing)}")
        return cls(
            job_name=args["JOB_NAME"],
            stream_name=args["STREAM_NAME"],
            iceberg_table=args["ICEBERG_TABLE"],
            metric_namespace=args["METRIC_NAMESPACE"],
            environment=args["ENVIRONMENT"],
            audit_queue_url=args["AUDIT_QUEUE_URL"],
            partition_key_prefix=args["PARTITION_KEY_PREFIX"],
            audit_component=args["AUDIT_COMPONENT"],
        )


@dataclass
class JobDeps:
    publisher: KinesisPublisher
    audit: AuditSender
    metrics: JobMetrics
    logger: JsonLogger
    now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)


@dataclass
class RunSummary:
    read: int = 0
    processed: int = 0
    succeeded: int = 0
    failed: int = 0
    audit_undelivered: int = 0


def parse_args(argv: Sequence[str]) -> dict[str, str]:
    """Glue's own resolver when running in Glue; the same `--NAME value` convention elsewhere."""
    try:
        from awsglue.utils import getResolvedOptions  # type: ignore[import-not-found]
    except ImportError:
        parser = argparse.ArgumentParser(add_help=False)
        for name in JOB_ARGUMENTS:
            parser.add_argument(f"--{name}", required=True)
        known, _ = parser.parse_known_args(list(argv[1:]))
        return vars(known)
    return getResolvedOptions(list(argv), list(JOB_ARGUMENTS))


def publish_rows(rows: Iterable[Mapping[str, Any]], config: JobConfig, deps: JobDeps) -> RunSummary:
    """The job's work, Spark-free: validate rows, publish events, audit failures, count everything."""
    summary = RunSummary()
    deps.metrics.ensure_reported(*RECORD_COUNTS)
    chunk: list[OutgoingRecord] = []
    rejected: list[dict[str, Any]] = []
    for position, row in enumerate(rows, start=1):
        summary.read += 1
        deps.metrics.add("RecordsRead")
        outcome = to_event(
            row,
            source=config.iceberg_table,
            position=position,
            partition_key_prefix=config.partition_key_prefix,
            now=deps.now,
        )
        if not outcome.ok:
            deps.logger.warn("row rejected", correlationId=outcome.audit_id, reason=outcome.reason)
            summary.failed += 1
            deps.metrics.add("RecordsFailed")
            rejected.append(_failed(config, deps, outcome.audit_id, outcome.reason or "invalid row", position))
        else:
            summary.processed += 1
            deps.metrics.add("RecordsProcessed")
            chunk.append(OutgoingRecord(outcome.audit_id, outcome.data or b"", outcome.partition_key or ""))
        if len(chunk) >= CHUNK_SIZE:
            rejected.extend(_publish(chunk, config, deps, summary))
            chunk = []
        if len(rejected) >= CHUNK_SIZE:
            _audit(rejected, deps, summary)
            rejected = []
    if chunk:
        rejected.extend(_publish(chunk, config, deps, summary))
    if rejected:
        _audit(rejected, deps, summary)
    deps.logger.info(
        "run summary",
        read=summary.read,
        processed=summary.processed,
        succeeded=summary.succeeded,
        failed=summary.failed,
        auditUndelivered=summary.audit_undelivered,
    )
    if summary.audit_undelivered:
        raise AuditDeliveryError(
            f"{summary.audit_undelivered} FAILED audit events could not be sent to the audit queue; "
            "their rows are named in the job's ERROR log lines"
        )
    return summary


def _publish(chunk: list[OutgoingRecord], config: JobConfig, deps: JobDeps, summary: RunSummary) -> list[dict[str, Any]]:
    result = deps.publisher.publish(chunk)
    summary.succeeded += result.succeeded
    deps.metrics.add("RecordsSucceeded", result.succeeded)
    summary.failed += len(result.failed)
    deps.metrics.add("RecordsFailed", len(result.failed))
    failures = []
    for record, reason in result.failed:
        deps.logger.error("event not accepted by Kinesis", correlationId=record.audit_id, reason=reason)
        failures.append(_failed(config, deps, record.audit_id, f"not accepted by Kinesis after retries: {reason}", None))
    return failures


def _failed(config: JobConfig, deps: JobDeps, audit_id: str, reason: str, position: int | None) -> dict[str, Any]:
    attributes: dict[str, Any] = {"source": config.iceberg_table, "job": config.job_name}
    if position is not None:
        attributes["row"] = position
    return failed_event(audit_id, reason, component=config.audit_component, occurred_at=deps.now(), attributes=attributes)


def _audit(events: list[dict[str, Any]], deps: JobDeps, summary: RunSummary) -> None:
    result = deps.audit.send(events)
    for event, reason in result.failed:
        deps.logger.error("audit event not delivered", correlationId=event.get("transactionId"), reason=reason)
    summary.audit_undelivered += len(result.failed)


def run_with_job_metrics(body: Callable[[], T], metrics: JobMetrics, logger: JsonLogger) -> T:
    """Runs the job body; JobRunSuccess or JobRunFailure is recorded and flushed before anything
    leaves this function — on failure BEFORE the exception is re-raised."""
    try:
        result = body()
    except BaseException as error:
        metrics.add("JobRunFailure")
        logger.error("job run failed", error=error)
        _flush_quietly(metrics, logger)
        raise
    metrics.add("JobRunSuccess")
    _flush_quietly(metrics, logger)
    return result


def _flush_quietly(metrics: JobMetrics, logger: JsonLogger) -> None:
    # A metrics outage must not turn a good run into a failed one (nor hide the real error of a bad one).
    try:
        metrics.flush()
    except Exception as error:
        logger.error("metrics could not be sent", namespace=metrics.namespace, error=error, pending=metrics.pending())


def build_deps(config: JobConfig, logger: JsonLogger) -> JobDeps:
    """boto3 clients, built once. AWS_ENDPOINT_URL (the local emulator) is honoured by boto3 itself."""
    import boto3
    from botocore.config import Config

    client_config = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=5, read_timeout=30)
    return JobDeps(
        publisher=KinesisPublisher(boto3.client("kinesis", config=client_config), config.stream_name),
        audit=AuditSender(boto3.client("sqs", config=client_config), config.audit_queue_url),
        metrics=JobMetrics(boto3.client("cloudwatch", config=client_config), config.metric_namespace, config.environment),
        logger=logger,
    )


def main(argv: Sequence[str] | None = None) -> RunSummary:
    args = parse_args(sys.argv if argv is None else argv)
    config = JobConfig.from_args(args)
    logger = JsonLogger(config.audit_component).child(job=config.job_name, table=config.iceberg_table)
    # Clients and metrics exist before Spark starts, so even a failing Spark start is counted.
    deps = build_deps(config, logger)

    def body() -> RunSummary:
        from awsglue.context import GlueContext  # type: ignore[import-not-found]
        from awsglue.job import Job  # type: ignore[import-not-found]
        from pyspark.context import SparkContext  # type: ignore[import-not-found]

        # Creating the GlueContext is what turns on Glue's own job metrics (namespace `Glue`).
        glue_context = GlueContext(SparkContext.getOrCreate())
        job = Job(glue_context)
        job.init(config.job_name, args)
        table = glue_context.spark_session.table(config.iceberg_table)
        summary = publish_rows((row.asDict(recursive=True) for row in table.toLocalIterator()), config, deps)
        job.commit()
        return summary

    return run_with_job_metrics(body, deps.metrics, logger)


if __name__ == "__main__":
    main()
