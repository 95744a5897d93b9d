"""
Glue (PySpark) job: publishes the rows appended to an Iceberg table since its last successful run
as events to a pipeline's Kinesis stream (the record shape of the S3 producer), for an external
consumer such as TMS.

The driver only plans and counts: it reads the bookmark (helpers/bookmark.py), works out the
snapshot range (helpers/increment.py), and hands the rows to Spark's executors, where every task
publishes its partition with its own clients (helpers/partition_publisher.py) and reports a summary.
The driver then records RecordsRead / RecordsProcessed (rows turned into events) / RecordsSucceeded
(accepted by Kinesis) / RecordsFailed (invalid, or not accepted after retries; each audited FAILED
with a reason) and JobRunSuccess, flushed once, and only then advances the bookmark. On ANY
exception it records JobRunFailure and flushes before re-raising; the bookmark stays, so the next
run publishes the same rows again. Events of a failed run can therefore arrive twice; each carries
its transactionId (also the partition key's suffix), which is the consumer's idempotency key.

Job arguments (set by the GlueJob component as default arguments; Glue adds --JOB_NAME itself):
  --STREAM_NAME --ICEBERG_TABLE --METRIC_NAMESPACE --ENVIRONMENT --AUDIT_QUEUE_URL
  --PARTITION_KEY_PREFIX --AUDIT_COMPONENT --BOOKMARK_TABLE --FIRST_RUN (all | from-current)
  --PUBLISH_PARTITIONS (publishers; 0: one per executor core) --REGION
"""
from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import partial
from typing import Any, Callable, Mapping, Sequence, TypeVar

from helpers.bookmark import Bookmark, BookmarkStore
from helpers.increment import (
    FIRST_RUN_MODES,
    Increment,
    check_bookmark_in_history,
    current_snapshot_id,
    plan_increment,
    read_increment,
    unpublished_snapshots,
)
from helpers.json_log import JsonLogger
from helpers.metrics import JobMetrics
from helpers.partition_publisher import PublishSettings, SummaryList, publish_partition
from helpers.records import iso_utc

JOB_ARGUMENTS = (
    "JOB_NAME",
    "STREAM_NAME",
    "ICEBERG_TABLE",
    "METRIC_NAMESPACE",
    "ENVIRONMENT",
    "AUDIT_QUEUE_URL",
    "PARTITION_KEY_PREFIX",
    "AUDIT_COMPONENT",
    "BOOKMARK_TABLE",
    "FIRST_RUN",
    "PUBLISH_PARTITIONS",
    "REGION",
)
RECORD_COUNTS = ("RecordsRead", "RecordsProcessed", "RecordsSucceeded", "RecordsFailed")

T = TypeVar("T")


class AuditDeliveryError(RuntimeError):
    """Some FAILED audit events could not be delivered: the run must fail so someone looks."""


class PartitionPublishError(RuntimeError):
    """At least one partition could not write to the stream; nothing after that point was published."""


class BookmarkMismatchError(RuntimeError):
    """The bookmark belongs to another table: its snapshot id means nothing for this one."""


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
    bookmark_table: str
    first_run: str
    publish_partitions: int
    # Given to every client, on the driver and on the executors (whose environment may name none).
    region: str
    run_id: str = ""

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> "JobConfig":
        missing = [name for name in JOB_ARGUMENTS if not args.get(name)]
        if missing:
            raise ValueError(f"job arguments missing or empty: {', '.join('--' + m for m in missing)}")
        if args["FIRST_RUN"] not in FIRST_RUN_MODES:
            raise ValueError(f"--FIRST_RUN must be one of {', '.join(FIRST_RUN_MODES)}, got {args['FIRST_RUN']!r}")
        try:
            partitions = int(args["PUBLISH_PARTITIONS"])
        except ValueError:
            partitions = -1
        if partitions < 0:
            raise ValueError(f"--PUBLISH_PARTITIONS must be a whole number of publishers (0: one per executor core), got {args['PUBLISH_PARTITIONS']!r}")
        return cls(
            job_name=args["JOB_NAME"],
            stream_name=args["STREAM_NAME"],
            iceberg_table=args["ICEBERG_TABLE"],
            metric_namespace=args["METRIC_NAMESPACE"],
            environment=args["ENVIRONMENT"],
            audit_queue_url=args["AUDIT_QUEUE_URL"],
            partition_key_prefix=args["PARTITION_KEY_PREFIX"],
            audit_component=args["AUDIT_COMPONENT"],
            bookmark_table=args["BOOKMARK_TABLE"],
            first_run=args["FIRST_RUN"],
            publish_partitions=partitions,
            region=args["REGION"],
            run_id=args.get("JOB_RUN_ID", ""),
        )


@dataclass
class JobDeps:
    metrics: JobMetrics
    bookmarks: BookmarkStore
    logger: JsonLogger
    # Where the executors' clients go: the region, and an endpoint only for the local emulator.
    region: str | None = None
    endpoint_url: str | None = None
    now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)
    # Tuning the executors' publishing (tests use small batches to cut a run into many calls).
    publish_overrides: dict[str, Any] = field(default_factory=dict)


@dataclass
class RunSummary:
    increment: Increment
    read: int = 0
    processed: int = 0
    succeeded: int = 0
    failed: int = 0
    audit_undelivered: int = 0
    partitions: list[dict[str, Any]] = field(default_factory=list)
    # Snapshots in the range whose rows the incremental read skips (not appends; see increment.py).
    skipped_snapshots: list[dict[str, Any]] = field(default_factory=list)


def parse_args(argv: Sequence[str]) -> dict[str, str]:
    """Glue's own resolver when running in Glue; the same `--NAME value` convention elsewhere."""
    try:
        from awsglue.utils import getResolvedOptions  # type: ignore[import-not-found]
    except ImportError:
        parser = argparse.ArgumentParser(add_help=False)
        for name in JOB_ARGUMENTS:
            parser.add_argument(f"--{name}", required=True)
        parser.add_argument("--JOB_RUN_ID", default="")
        known, _ = parser.parse_known_args(list(argv[1:]))
        return vars(known)
    resolved = getResolvedOptions(list(argv), list(JOB_ARGUMENTS))
    # Glue passes the run's id to every run; it is recorded with the bookmark for investigations.
    if "--JOB_RUN_ID" in argv:
        resolved["JOB_RUN_ID"] = getResolvedOptions(list(argv), ["JOB_RUN_ID"])["JOB_RUN_ID"]
    return resolved


def run_job(spark: Any, config: JobConfig, deps: JobDeps) -> RunSummary:
    """One run: plan the increment, publish it from the executors, count, then move the bookmark."""
    started = deps.now()
    deps.metrics.ensure_reported(*RECORD_COUNTS)
    bookmark = deps.bookmarks.read()
    if bookmark is not None and bookmark.table != config.iceberg_table:
        raise BookmarkMismatchError(
            f"bookmark {deps.bookmarks.key} is for table {bookmark.table}, but this job reads {config.iceberg_table}; "
            "nothing was published. Delete the bookmark item to start over (see --FIRST_RUN), or point the job back."
        )
    current = current_snapshot_id(spark, config.iceberg_table)
    if bookmark is not None and current is not None and bookmark.snapshot_id != current:
        check_bookmark_in_history(spark, config.iceberg_table, bookmark.snapshot_id, current)
    increment = plan_increment(bookmark.snapshot_id if bookmark else None, current, config.first_run)
    deps.logger.info("increment planned", kind=increment.kind, fromSnapshot=increment.start_exclusive, toSnapshot=increment.end_snapshot)

    summary = RunSummary(increment)
    if increment.reads_rows:
        _publish_increment(spark, config, deps, increment, started, summary)
    if increment.moves_bookmark and increment.end_snapshot is not None:
        deps.bookmarks.advance(
            bookmark,
            Bookmark(snapshot_id=increment.end_snapshot, table=config.iceberg_table, advanced_at=iso_utc(deps.now()), run_id=config.run_id),
        )
        deps.logger.info("bookmark advanced", snapshot=increment.end_snapshot, previous=bookmark.snapshot_id if bookmark else None)
    return summary


def _publish_increment(spark: Any, config: JobConfig, deps: JobDeps, increment: Increment, started: datetime, summary: RunSummary) -> None:
    context = spark.sparkContext
    skipped = unpublished_snapshots(spark, config.iceberg_table, increment)
    if skipped:
        deps.logger.error(
            "rows not appended are not published: the table's writers must append (INSERT INTO / DataFrame append)",
            snapshots=skipped,
        )
    summary.skipped_snapshots = skipped
    publishers = config.publish_partitions or context.defaultParallelism
    rows = read_increment(spark, config.iceberg_table, increment)
    # One publisher per partition; hashing on transactionId keeps the rows of one transaction together
    # (a table without that column still gets every row audited FAILED, not a failed run).
    rows = rows.repartition(publishers, "transactionId") if "transactionId" in rows.columns else rows.repartition(publishers)
    settings = PublishSettings(
        stream_name=config.stream_name,
        audit_queue_url=config.audit_queue_url,
        table=config.iceberg_table,
        job_name=config.job_name,
        audit_component=config.audit_component,
        partition_key_prefix=config.partition_key_prefix,
        run_started_at=iso_utc(started),
        snapshots=f"{increment.start_exclusive or ''}..{increment.end_snapshot}",
        region=deps.region,
        endpoint_url=deps.endpoint_url,
        **deps.publish_overrides,
    )
    summaries = context.accumulator([], SummaryList())
    try:
        rows.foreachPartition(partial(publish_partition, settings=settings, summaries=summaries))
    finally:
        # Also when Spark gave up: the partitions that finished are counted, once each.
        _record(sorted(summaries.value, key=lambda s: s["partition"]), summary, deps)
    stopped = [s for s in summary.partitions if s["error"]]
    if stopped:
        first = stopped[0]
        raise PartitionPublishError(
            f"{len(stopped)} of {publishers} partitions could not write to stream {config.stream_name} "
            f"({first['error_code']}: {first['error']}); the bookmark was not moved, so the next run publishes these rows again"
        )
    if summary.audit_undelivered:
        raise AuditDeliveryError(
            f"{summary.audit_undelivered} FAILED audit events could not be sent to the audit queue; "
            "their rows are named in the job's ERROR log lines, and the bookmark was not moved"
        )


def _record(partitions: list[dict[str, Any]], summary: RunSummary, deps: JobDeps) -> None:
    summary.partitions = partitions
    for name, attribute in (("RecordsRead", "read"), ("RecordsProcessed", "processed"), ("RecordsSucceeded", "succeeded"), ("RecordsFailed", "failed")):
        total = sum(p[attribute] for p in partitions)
        setattr(summary, attribute, total)
        deps.metrics.add(name, total)
    summary.audit_undelivered = sum(p["audit_undelivered"] for p in partitions)
    deps.logger.info(
        "run summary",
        partitions=len(partitions),
        read=summary.read,
        processed=summary.processed,
        succeeded=summary.succeeded,
        failed=summary.failed,
        auditUndelivered=summary.audit_undelivered,
    )


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
    """The driver's boto3 clients, built once. AWS_ENDPOINT_URL (the local emulator) is honoured by
    boto3 itself here, and passed on to the executors explicitly."""
    import boto3
    from botocore.config import Config

    client_config = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=5, read_timeout=30)
    session = boto3.session.Session(region_name=config.region)
    return JobDeps(
        metrics=JobMetrics(session.client("cloudwatch", config=client_config), config.metric_namespace, config.environment),
        bookmarks=BookmarkStore(session.client("dynamodb", config=client_config), config.bookmark_table, config.job_name),
        logger=logger,
        region=session.region_name,
        endpoint_url=os.environ.get("AWS_ENDPOINT_URL") or None,
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
        summary = run_job(glue_context.spark_session, config, deps)
        job.commit()
        return summary

    return run_with_job_metrics(body, deps.metrics, logger)


if __name__ == "__main__":
    main()
