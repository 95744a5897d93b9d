"""
Publishes events to a Kinesis stream with PutRecords: at most 500 records and 5 MiB per call,
retrying only the entries Kinesis did not accept (throttled shards, internal failures), with
exponential backoff and full jitter. Records still failing after every attempt are returned with
the last reason, never dropped: the job audits them as FAILED.

A call that fails as a whole is different: the records were never looked at. Throttling and network
errors are retried like rejected entries; an error no retry can fix (the stream is gone, access or
the stream's KMS key is denied, the request is invalid) — or a retryable one that outlasts every
attempt — raises `StreamUnavailableError`. The run then fails and its bookmark stays where it was,
so the next run publishes these rows again instead of the audit trail calling them FAILED.
"""
from __future__ import annotations

import random as _random
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Sequence

from .backoff import RetryPolicy, retry_failed_entries

MAX_RECORDS_PER_CALL = 500
MAX_BYTES_PER_CALL = 5 * 1024 * 1024
# Whole-call errors worth another attempt (AWS error codes); any other AWS error ends the run.
RETRYABLE_CALL_ERRORS = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "LimitExceededException",
        "ThrottlingException",
        "KMSThrottlingException",
        "InternalFailure",
        "InternalFailureException",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "RequestTimeout",
        "RequestTimeoutException",
    }
)


class StreamUnavailableError(RuntimeError):
    """PutRecords failed as a whole in a way retries did not (or cannot) fix; `code` is AWS's error code."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code
        self.partial: PublishResult | None = None


def call_error_code(error: BaseException) -> str | None:
    """AWS's error code of a botocore ClientError (duck-typed: helpers do not import botocore)."""
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
        return str(code) if code else None
    return None


@dataclass(frozen=True)
class OutgoingRecord:
    audit_id: str
    data: bytes
    partition_key: str

    @property
    def size(self) -> int:
        return len(self.data) + len(self.partition_key.encode("utf-8"))


@dataclass
class PublishResult:
    succeeded: int = 0
    failed: list[tuple[OutgoingRecord, str]] = field(default_factory=list)
    calls: int = 0
    # Entries that needed more than one attempt and then got in.
    retried_ok: int = 0


class KinesisPublisher:
    def __init__(
        self,
        kinesis: Any,
        stream_name: str,
        *,
        max_attempts: int = 5,
        base_delay_s: float = 0.1,
        max_delay_s: float = 5.0,
        sleep: Callable[[float], None] = time.sleep,
        random: Callable[[], float] = _random.random,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self._kinesis = kinesis
        self._stream_name = stream_name
        self._retry = RetryPolicy(max_attempts, base_delay_s, max_delay_s, sleep, random)

    def publish(self, records: Sequence[OutgoingRecord]) -> PublishResult:
        result = PublishResult()
        try:
            for batch in batches(records):
                self._put_batch(batch, result)
        except StreamUnavailableError as error:
            # What got in (and what was finally rejected) before the call failed still counts.
            error.partial = result
            raise
        return result

    def _put_batch(self, batch: list[OutgoingRecord], result: PublishResult) -> None:
        def call(pending: list[OutgoingRecord], attempt: int) -> list[tuple[OutgoingRecord, str]]:
            result.calls += 1
            try:
                response = self._kinesis.put_records(
                    StreamName=self._stream_name,
                    Records=[{"Data": record.data, "PartitionKey": record.partition_key} for record in pending],
                )
            except Exception as error:
                code = call_error_code(error)
                retryable = code is None or code in RETRYABLE_CALL_ERRORS
                if not retryable or attempt == self._retry.max_attempts:
                    tried = "" if not retryable else f" after {attempt} attempts"
                    raise StreamUnavailableError(
                        f"PutRecords to {self._stream_name} failed{tried}: {type(error).__name__}: {error}", code or type(error).__name__
                    ) from error
                raise
            still_failing = []
            for record, entry in zip(pending, response.get("Records", [])):
                code = entry.get("ErrorCode")
                if code:
                    still_failing.append((record, f"{code}: {entry.get('ErrorMessage', 'no message')}"))
                else:
                    result.succeeded += 1
                    if attempt > 1:
                        result.retried_ok += 1
            # Kinesis answers one entry per record; a short answer leaves the rest unconfirmed.
            answered = len(response.get("Records", []))
            still_failing.extend((record, "no result returned for the record") for record in pending[answered:])
            return still_failing

        result.failed.extend(retry_failed_entries(batch, call, self._retry, propagate=(StreamUnavailableError,)))


def batches(records: Sequence[OutgoingRecord]) -> Iterator[list[OutgoingRecord]]:
    batch: list[OutgoingRecord] = []
    size = 0
    for record in records:
        if batch and (len(batch) == MAX_RECORDS_PER_CALL or size + record.size > MAX_BYTES_PER_CALL):
            yield batch
            batch, size = [], 0
        batch.append(record)
        size += record.size
    if batch:
        yield batch
