"""The moto launcher's DynamoDB fixes (same answers as plain moto; test/moto-speed-fixes.test.ts).

moto's DynamoDB builds every written item through `LimitedSizeDict.__setitem__`, which re-sums the
size of *all* attributes already inserted before inserting the next one (to refuse items over
405,000 bytes): O(n²) size walks per PutItem, ~1.3 ms of the audit processor's ~15-attribute item
under cProfile. `Item.__init__` here keeps the same sum as a running total: the same DynamoType per
attribute, built in the same order, the same sizes (`bytesize(str(key)) + value.size()`, as
`__setitem__` counts them), the same `ItemSizeTooLarge` at the same attribute (sizes are never
negative, so the running total passes 405,000 exactly where the re-summed one does).

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
"""
from botocore.utils import merge_dicts
from moto.core import serialize
from moto.dynamodb.exceptions import ItemSizeTooLarge
from moto.dynamodb.models import dynamo_type
from moto.dynamodb.models import table as table_models
from moto.dynamodb.models.utilities import find_nested_key

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
