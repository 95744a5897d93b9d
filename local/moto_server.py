"""The moto server, with thirteen emulator inefficiencies removed (no change to what any API answers).

moto 5.2.5's SQS builds a queue's *whole* attribute map — counting every message three times for
ApproximateNumberOf* — once for every message it sends and once for every message it receives
(`send_message` checks ContentBasedDeduplication, `receive_message` checks MessageRetentionPeriod
through it). A receive from a queue of n messages therefore costs O(n) per message: with the
platform's real concurrency (8 case-creator invocations sending 200 audit events each) the audit
queue holds ~1,600 messages and every call takes hundreds of milliseconds. Inside those two calls
only, the attribute map is built from the stored settings alone, which is all they read.

moto 5.2.5's server also lists its own package directory (an `os.listdir` and a `stat` per
service, ~150) on *every* request, to decide whether the Host header names a service
(`moto.backends.list_of_moto_modules`, called by `DomainDispatcherApplication.get_backend_for_host`
with a lock held). The installed package does not change while the server runs, so the listing is
taken once and reused: ~2 ms less per request on this machine, for every service.

GetQueueAttributes for named attributes builds that whole map three times per name asked for
(`name in queue.attributes`, then `.get(name)` twice): nine times, 27 walks of the queue, for the
three message counts the local run asks for. Inside that call the map is built once and reused
(nothing changes the queue during the call, so every build would give the same map).

moto's SQS asks for the time (`unix_time_millis`) twice per message for every receive and every
count — whether it is visible, whether it is delayed — and each answer is built through three
`datetime` objects (utcnow, the epoch, their difference): ~80% of a receive's time on a
300-message queue. In moto's SQS module only, the current time is read with `time.time()`, the same
clock at the same resolution (a given datetime still goes the old way).

moto's DynamoDB builds every written item through `LimitedSizeDict.__setitem__`, which re-sums the
size of *all* attributes already inserted before inserting the next one (to refuse items over
405,000 bytes): O(n²) size walks per PutItem, ~1.3 ms of the audit processor's ~15-attribute item
under cProfile. `Item.__init__` here keeps the same sum as a running total: the same DynamoType per
attribute, built in the same order, the same sizes (`bytesize(str(key)) + value.size()`, as
`__setitem__` counts them), the same `ItemSizeTooLarge` at the same attribute (sizes are never
negative, so the running total passes 405,000 exactly where the re-summed one does).

moto's request dispatch lists a response class's methods (`inspect.getmembers`) on every request to
check the action is one of them (`method_names_from_class`). The launcher applies every patch before
serving and nothing adds methods afterwards, so the list is taken once per class and a copy handed
out: the same names, ~0.3 ms less per request.

moto's JSON response serializer walks the botocore shape of every DynamoDB AttributeValue: for each
of its ten members it tries six alias providers (`get_value` → `get_possible_keys`) to find the one
member present. A BatchGetItem of 25 audit items (~15 attributes, nested maps and lists) took
~47–56 ms (~7–10 ms with this path), ~90% of it there. For an AttributeValue that is exactly one of S/N (a str), BOOL/NULL (a
bool), SS/NS (a list of str), M (str keys) or L of such values, that walk copies it unchanged (the
only member present is picked under its own name, a str goes through `str()`, a bool and a list
through as they are), so it is copied directly. Anything else (B, BS, other types, more than one key,
a response transformer, another picker, another service) still takes the original walk.
Checked: the serialized bodies of BatchGetItem, GetItem, Query and PutItem for random items
of every type, nested three deep, are byte-identical with and without this path
(test/moto-speed-fixes.test.ts compares this server's answers with plain `moto_server`'s).

The three DynamoDB fixes together, measured with raw HTTP requests against both servers in turn
(2026-12-04, 2 shared cores, load ~4.5–5): the audit processor's conditional PutItem 2.1–3.0 ms →
1.6–2.4 ms (~1.3×), its BatchGetItem of 25 existing items 47–56 ms → 7–10 ms (~6×).

moto's SQS receive builds the list of *every* visible message (two clock reads each) before it hands
out the first, and a delete asks every message in the queue, twice, whether it ever had the receipt
handle. Both are O(queue length) in Python per call, ten times per DeleteMessageBatch. A receive
here walks the queue lazily and stops at the first visible ten; a delete looks the handle up in an
index kept as handles are issued. Measured against the launcher without them (2026-12-04, a queue of
8,000 messages, 100 receive+delete rounds of 10, same window): ReceiveMessage 52.5 → 3.7 ms,
DeleteMessageBatch 20.3 → 2.5 ms. The per-call memo of GetQueueAttributes (above) had also been
catching the receive path's retention check, building the whole map (three O(n) counts) once per
received message; the send/receive hot path now takes precedence.
test/moto-sqs-speed-fixes.test.ts compares this server's SQS answers with plain `moto_server`'s.

Run as `python local/moto_server.py -H 127.0.0.1 -p PORT` (the arguments of `moto_server`).
"""
import sys
import threading
import time

from moto import backends
from moto.core import responses as core_responses
from moto.core import serialize
from moto.cloudwatch import models as cloudwatch_models
from moto.dynamodb.exceptions import ItemSizeTooLarge
from botocore.utils import merge_dicts
from moto.dynamodb.models import dynamo_type
from moto.dynamodb.models import table as table_models
from moto.dynamodb.models.utilities import find_nested_key
from moto.server import main
from moto.sqs import models

_hot_path = threading.local()
_full_attributes = models.Queue.attributes.fget


def _attributes(queue):
    # The send/receive hot path first: a receive asks for MessageRetentionPeriod through
    # get_queue_attributes once per message, and that call's memo would build the whole map.
    if getattr(_hot_path, "active", False):
        cheap = {"MessageRetentionPeriod": queue.message_retention_period}
        if queue.fifo_queue:
            cheap["ContentBasedDeduplication"] = str(bool(queue.content_based_deduplication)).lower()
        return cheap
    memo = getattr(_hot_path, "memo", None)
    if memo is not None:
        if id(queue) not in memo:
            memo[id(queue)] = _full_attributes(queue)
        return memo[id(queue)]
    return _full_attributes(queue)


def _while(flag, during=lambda: True):
    """Runs a method with `_hot_path.<flag>` set to a fresh `during()`, and None again afterwards."""

    def decorate(method):
        def wrapper(*args, **kwargs):
            setattr(_hot_path, flag, during())
            try:
                return method(*args, **kwargs)
            finally:
                setattr(_hot_path, flag, None)

        return wrapper

    return decorate


_on_hot_path = _while("active")
_attributes_once = _while("memo", dict)


models.Queue.attributes = property(_attributes)
models.SQSBackend.get_queue_attributes = _attributes_once(models.SQSBackend.get_queue_attributes)
models.SQSBackend.send_message = _on_hot_path(models.SQSBackend.send_message)
models.SQSBackend.receive_message = _on_hot_path(models.SQSBackend.receive_message)

_datetime_unix_time = models.unix_time
_datetime_unix_time_millis = models.unix_time_millis


def _unix_time(dt=None):
    return time.time() if dt is None else _datetime_unix_time(dt)


def _unix_time_millis(dt=None):
    return time.time() * 1000.0 if dt is None else _datetime_unix_time_millis(dt)


models.unix_time = _unix_time
models.unix_time_millis = _unix_time_millis

# Receiving: moto's receive loop walks `queue.messages`, a list of every visible message built
# afresh (two clock reads per message) before the first one is handed out. While a receive is
# running (and only then), that property yields the same messages one by one, checked as they
# are reached, so a receive of 10 from a queue of thousands stops after the first visible ten.
_full_messages = models.Queue.messages.fget


class _VisibleMessages:
    """`queue.messages` as receive_message uses it (iterated, or asked whether any): lazily."""

    def __init__(self, queue):
        self._queue = queue

    def __iter__(self):
        return (m for m in self._queue._messages if m.visible and not m.delayed)

    def __bool__(self):
        return any(True for _ in self)


def _messages(queue):
    if not getattr(_hot_path, "receiving", False):
        return _full_messages(queue)
    return _VisibleMessages(queue)


models.Queue.messages = property(_messages)
models.SQSBackend.receive_message = _while("receiving")(models.SQSBackend.receive_message)

# Deleting: moto finds a receipt handle's message by asking every message in the queue for the
# list of handles it ever had (twice: once to check, once to rebuild the list without it): O(n)
# Python calls per handle, ten per DeleteMessageBatch. Every handle moto issues is recorded
# here with its message when it is issued (`mark_received`), so a delete looks the message up
# and removes it from the queue's list (a C-level scan by identity). Same answers: an unknown
# handle, or one of a message no longer in this queue (deleted, moved to its DLQ, purged), is
# refused as before; a handle already deleted is accepted again, as before.
_message_by_handle = {}
_mark_received = models.Message.mark_received


def _mark_received_indexed(message, *args, **kwargs):
    _mark_received(message, *args, **kwargs)
    _message_by_handle[message.receipt_handle] = message


def _delete_message(queue, receipt_handle):
    if receipt_handle in queue.deleted_messages:
        return
    message = _message_by_handle.get(receipt_handle)
    # Message defines no __eq__: `in` and `remove` compare by identity, in C.
    if message is None or message not in queue._messages:
        raise models.ReceiptHandleIsInvalid()
    queue.pending_messages.discard(message)
    queue.deleted_messages.update(message.all_receipt_handles)
    queue._messages.remove(message)
    for handle in message.all_receipt_handles:
        _message_by_handle.pop(handle, None)


models.Message.mark_received = _mark_received_indexed
models.Queue.delete_message = _delete_message

_moto_modules = tuple(backends.list_of_moto_modules())
backends.list_of_moto_modules = lambda: _moto_modules



def _item_init(self, hash_key, range_key, attrs):
    self.hash_key = hash_key
    self.range_key = range_key
    self.attrs = dynamo_type.LimitedSizeDict()
    size = 0
    for key, value in attrs.items():
        value = dynamo_type.DynamoType(value)
        # What LimitedSizeDict.__setitem__ sums before each insert, kept as a running total.
        size += dynamo_type.bytesize(str(key)) + value.size()
        if size > 405000:
            raise ItemSizeTooLarge
        dict.__setitem__(self.attrs, key, value)


dynamo_type.Item.__init__ = _item_init

_method_names = {}
_method_names_from_class = core_responses.method_names_from_class


def _method_names_of(clazz):
    if clazz not in _method_names:
        _method_names[clazz] = _method_names_from_class(clazz)
    return list(_method_names[clazz])


core_responses.method_names_from_class = _method_names_of


class _NotPlain(Exception):
    pass


def _plain_attribute_value(value):
    """The serializer's output for one AttributeValue, for the shapes it passes through unchanged."""
    if type(value) is not dict or len(value) != 1:
        raise _NotPlain
    ((kind, inner),) = value.items()
    if kind in ("S", "N"):
        if type(inner) is not str:
            raise _NotPlain
        return {kind: inner}
    if kind in ("BOOL", "NULL"):
        if type(inner) is not bool:
            raise _NotPlain
        return {kind: inner}
    if kind in ("SS", "NS"):
        if type(inner) is not list or any(type(member) is not str for member in inner):
            raise _NotPlain
        return {kind: list(inner)}
    if kind == "M":
        if type(inner) is not dict or any(type(name) is not str for name in inner):
            raise _NotPlain
        return {kind: {name: _plain_attribute_value(member) for name, member in inner.items()}}
    if kind == "L":
        if type(inner) is not list:
            raise _NotPlain
        return {kind: [_plain_attribute_value(member) for member in inner]}
    raise _NotPlain


_serialize_json_structure = serialize.JSONSerializer._serialize_type_structure


def _serialize_structure(self, serialized, value, shape, key):
    if (
        key
        and shape.name == "AttributeValue"
        and self.operation_model.service_model.service_name == "dynamodb"
        and type(self._value_picker) in (serialize.AttributePicker, serialize.XFormedAttributePicker)
        and not self._value_picker.response_transformers
    ):
        try:
            plain = _plain_attribute_value(value)
        except _NotPlain:
            pass
        else:
            self._default_serialize(serialized, plain, shape, key)
            return
    _serialize_json_structure(self, serialized, value, shape, key)


serialize.JSONSerializer._serialize_type_structure = _serialize_structure


# Scans: moto sorts every item of the table for every Scan page (`Table.all_items`), comparing
# DynamoType keys, whose `<` computes both sides' cast values afresh: ~16 comparisons per item per
# page. Sorting by the cast values themselves, computed once per item, gives the same order (a
# DynamoType compares by exactly those values, `==` by type and value, and a table's key types are
# fixed). And a projected item converted the whole item to plain JSON once per projected path (seven
# times for the local run's summary); it is converted once, and each path read from that copy
# (`merge_dicts` only ever writes back, at the same path, what it read from the same copy).
# Measured (2026-12-04, 20,000 audit items, the summary's 4-segment projected Scan, against the
# launcher without these two, same window): 23.5 → 10.1 s, the same items in the same pages.
def _all_items(self):
    items = []
    for hash_set in self.items.values():
        if self.range_key_attr:
            items.extend(hash_set.values())
        else:
            items.append(hash_set)
    return sorted(
        items,
        key=lambda x: (x.hash_key.cast_value, x.range_key.cast_value) if x.range_key else x.hash_key.cast_value,
    )


def _project(self, projection_expressions):
    result = {}
    plain = self.to_regular_json()
    for expr in projection_expressions:
        merge_dicts(result, find_nested_key(expr, plain))
    return dynamo_type.Item(
        hash_key=self.hash_key,
        range_key=self.range_key,
        attrs=dynamo_type.serializer.serialize(result)["M"],
    )


table_models.Table.all_items = _all_items
dynamo_type.Item.project = _project


# CloudWatch reads: moto stores one datum per sample (a Values/Counts pair of value v, count c is c
# datums), and every GetMetricStatistics or ListMetrics call filters *all* of them by name in
# Python: after a 50,000-record run (~100,000 datums each for the audit outcome and latency metrics)
# the dashboards' read-back took minutes per dashboard. While one of those two calls runs for a
# given metric name, `get_all_metrics` yields only that name's datums (kept in an index, in the
# order stored) and the provider metrics of that name: the call's own filter, which keeps only
# datums of that name, then sees the same datums in the same order. ListMetrics without a name,
# GetMetricData and everything else read the whole list as before.
_metric_name = threading.local()
_all_metrics = cloudwatch_models.CloudWatchBackend.get_all_metrics


def _datums_named(backend, name):
    index = backend.__dict__.get("_kyc_by_name")
    stored = backend.metric_data
    if index is None or index["list"] is not stored or index["upto"] > len(stored):
        index = {"list": stored, "upto": 0, "by_name": {}}
        backend.__dict__["_kyc_by_name"] = index
    for datum in stored[index["upto"] :]:
        index["by_name"].setdefault(datum.name, []).append(datum)
    index["upto"] = len(stored)
    return index["by_name"].get(name, [])


def _get_all_metrics(backend):
    name = getattr(_metric_name, "value", None)
    if name is None:
        return _all_metrics(backend)
    return list(_datums_named(backend, name)) + [m for m in backend.aws_metric_data if m.name == name]


def _for_metric_named(method, name_of):
    def wrapper(backend, *args, **kwargs):
        _metric_name.value = name_of(*args, **kwargs)
        try:
            return method(backend, *args, **kwargs)
        finally:
            _metric_name.value = None

    return wrapper


cloudwatch_models.CloudWatchBackend.get_all_metrics = _get_all_metrics


# ListMetrics drops a datum whose metric is "already present" by comparing it with every metric
# kept so far: O(n²) in the datums of a name, which moto rarely merges (its `are_dimensions_same`
# compares every dimension with every other, so only a list of one repeated name/value pair ever
# equals another). With ~100,000 datums of one name a call outlived the SDK's 60 s timeout. The
# same rule in one pass: a datum is already present exactly when its dimensions are that one pair
# repeated (same count) and a kept metric of the same name and namespace has the same.
def _uniform_dimensions(datum):
    pairs = {(d.name, d.value) for d in datum.dimensions}
    if len(pairs) != 1:
        return None
    ((name, value),) = pairs
    return (datum.name, datum.namespace, len(datum.dimensions), name, value)


def _get_filtered_metrics(backend, metric_name, namespace, dimensions):
    kept, seen = [], set()
    for datum in backend.get_all_metrics():
        if not datum.filter(namespace=namespace, name=metric_name, dimensions=dimensions):
            continue
        key = _uniform_dimensions(datum) if datum.dimensions else None
        if key is not None and key in seen:
            continue
        if key is not None:
            seen.add(key)
        kept.append(datum)
    return kept


cloudwatch_models.CloudWatchBackend.get_filtered_metrics = _get_filtered_metrics
cloudwatch_models.CloudWatchBackend.get_metric_statistics = _for_metric_named(
    cloudwatch_models.CloudWatchBackend.get_metric_statistics,
    lambda namespace, metric_name, *rest, **kw: metric_name or None,
)
cloudwatch_models.CloudWatchBackend.list_metrics = _for_metric_named(
    cloudwatch_models.CloudWatchBackend.list_metrics,
    lambda next_token, namespace, metric_name, *rest, **kw: (metric_name or None) if not next_token else None,
)

if __name__ == "__main__":
    sys.exit(main())
