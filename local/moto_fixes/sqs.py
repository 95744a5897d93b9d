"""The moto launcher's SQS fixes (same answers as plain moto; test/moto-sqs-speed-fixes.test.ts).

moto 5.2.5's SQS builds a queue's *whole* attribute map — counting every message three times for
ApproximateNumberOf* — once for every message it sends and once for every message it receives
(`send_message` checks ContentBasedDeduplication, `receive_message` checks MessageRetentionPeriod
through it). A receive from a queue of n messages therefore costs O(n) per message: with the
platform's real concurrency (8 case-creator invocations sending 200 audit events each) the audit
queue holds ~1,600 messages and every call takes hundreds of milliseconds. Inside those two calls
only, the attribute map is built from the stored settings alone, which is all they read.

GetQueueAttributes for named attributes builds that whole map three times per name asked for
(`name in queue.attributes`, then `.get(name)` twice): nine times, 27 walks of the queue, for the
three message counts the local run asks for. Inside that call the map is built once and reused
(nothing changes the queue during the call, so every build would give the same map).

moto's SQS asks for the time (`unix_time_millis`) twice per message for every receive and every
count — whether it is visible, whether it is delayed — and each answer is built through three
`datetime` objects (utcnow, the epoch, their difference): ~80% of a receive's time on a
300-message queue. In moto's SQS module only, the current time is read with `time.time()`, the same
clock at the same resolution (a given datetime still goes the old way).

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
"""
import threading
import time

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
