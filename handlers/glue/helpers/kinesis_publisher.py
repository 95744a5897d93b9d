"""
Publishes events to a Kinesis stream with PutRecords: at most 500 records and 5 MiB per call,
retrying only the entries Kinesis did not accept (throttled shards, internal failures), with
exponential backoff and full jitter. Records still failing after every attempt are returned with
the last reason, never dropped: the job audits them as FAILED.
"""
from __future__ import annotations

import random as _random
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Sequence

from .backoff import RetryPolicy, retry_failed_entries

MAX_RECORDS_PER_CALL = 500
MAX_BYTES_PER_CALL = 5 * 1024 * 1024


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
        for batch in batches(records):
            self._put_batch(batch, result)
        return result

    def _put_batch(self, batch: list[OutgoingRecord], result: PublishResult) -> None:
        def call(pending: list[OutgoingRecord], attempt: int) -> list[tuple[OutgoingRecord, str]]:
            result.calls += 1
            response = self._kinesis.put_records(
                StreamName=self._stream_name,
                Records=[{"Data": record.data, "PartitionKey": record.partition_key} for record in pending],
            )
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

        result.failed.extend(retry_failed_entries(batch, call, self._retry))


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
