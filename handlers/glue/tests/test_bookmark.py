"""The bookmark item in the audit table (moto's DynamoDB): read, compare-and-set advance, conflicts."""
from __future__ import annotations

import boto3
import pytest

from conftest import REGION
from helpers.bookmark import Bookmark, BookmarkConflictError, BookmarkStore, bookmark_key

TABLE = "bbkyc-audit-trail-sit"
JOB = "bbkyc-et-event-producer-sit"


@pytest.fixture
def dynamodb(aws):
    client = boto3.client("dynamodb", region_name=REGION)
    client.create_table(
        TableName=TABLE,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "transactionId", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "transactionId", "KeyType": "HASH"}],
    )
    return client


def mark(snapshot: int, run: str = "jr_1") -> Bookmark:
    return Bookmark(snapshot_id=snapshot, table="glue_catalog.kyc_db.et_events", advanced_at="2026-11-26T08:00:00.000Z", run_id=run)


def test_the_bookmark_lives_under_a_reserved_audit_key_and_keeps_64_bit_snapshot_ids_exact(dynamodb):
    store = BookmarkStore(dynamodb, TABLE, JOB)
    assert store.read() is None

    store.advance(None, mark(9_223_372_036_854_775_807))

    assert store.key == bookmark_key(JOB) == "#glue-bookmark:bbkyc-et-event-producer-sit"
    assert store.read() == mark(9_223_372_036_854_775_807)
    item = dynamodb.get_item(TableName=TABLE, Key={"transactionId": {"S": store.key}})["Item"]
    # No status attribute: the item never appears in the status index or any audit view.
    assert "status" not in item and item["kind"] == {"S": "glue-bookmark"}


def test_an_advance_is_a_compare_and_set_on_the_snapshot_the_run_started_from(dynamodb):
    store = BookmarkStore(dynamodb, TABLE, JOB)
    store.advance(None, mark(1))
    store.advance(mark(1), mark(2, "jr_2"))

    # A run that started from snapshot 1 must not overwrite what another run moved to 2.
    with pytest.raises(BookmarkConflictError, match="changed during the run \\(it was at snapshot 1"):
        store.advance(mark(1), mark(3, "jr_3"))
    # Nor may a "first" run write over an existing bookmark.
    with pytest.raises(BookmarkConflictError, match="it was absent"):
        store.advance(None, mark(4, "jr_4"))
    assert store.read() == mark(2, "jr_2")
