"""The moto server, with four emulator inefficiencies removed (no change to what any API answers).

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

Run as `python local/moto_server.py -H 127.0.0.1 -p PORT` (the arguments of `moto_server`).
"""
import sys
import threading
import time

from moto import backends
from moto.server import main
from moto.sqs import models

_hot_path = threading.local()
_full_attributes = models.Queue.attributes.fget


def _attributes(queue):
    memo = getattr(_hot_path, "memo", None)
    if memo is not None:
        if id(queue) not in memo:
            memo[id(queue)] = _full_attributes(queue)
        return memo[id(queue)]
    if not getattr(_hot_path, "active", False):
        return _full_attributes(queue)
    cheap = {"MessageRetentionPeriod": queue.message_retention_period}
    if queue.fifo_queue:
        cheap["ContentBasedDeduplication"] = str(bool(queue.content_based_deduplication)).lower()
    return cheap


def _on_hot_path(method):
    def wrapper(*args, **kwargs):
        _hot_path.active = True
        try:
            return method(*args, **kwargs)
        finally:
            _hot_path.active = False

    return wrapper


def _attributes_once(method):
    def wrapper(*args, **kwargs):
        _hot_path.memo = {}
        try:
            return method(*args, **kwargs)
        finally:
            _hot_path.memo = None

    return wrapper


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

_moto_modules = tuple(backends.list_of_moto_modules())
backends.list_of_moto_modules = lambda: _moto_modules

if __name__ == "__main__":
    sys.exit(main())
