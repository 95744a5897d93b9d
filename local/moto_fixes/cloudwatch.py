"""The moto launcher's CloudWatch fixes (same answers as plain moto; test/moto-cloudwatch-speed-fixes.test.ts).
"""
import threading

from moto.cloudwatch import models as cloudwatch_models

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
