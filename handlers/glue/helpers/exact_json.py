"""
JSON text for events, with every number written exactly as the table holds it.

Python's `json` module can only write a `Decimal` as a float (rounding money amounts) or as a string
(changing its JSON type). Spark hands DECIMAL columns over as `Decimal`, and the record rules pass
numbers through exactly, so this writer emits a `Decimal`'s own digits as a JSON number
(`12.50` stays `12.50`). Floats are written with Python's shortest round-trip form; NaN and
infinities, which JSON cannot carry, are refused rather than written as invalid JSON.

Strings must be well-formed Unicode: a lone surrogate (which Python strings can hold) would make the
UTF-8 encoding of the record fail later, so it is refused here with the field's path.
"""
from __future__ import annotations

import math
import re
from decimal import Decimal
from json.encoder import encode_basestring  # the C encoder's string quoting (non-ASCII kept)
from typing import Any, Callable


class NotJsonError(ValueError):
    """A value JSON cannot carry; the message names where it is (e.g. `payload.amount`)."""


def dumps(value: Any, *, convert: Callable[[Any], Any] | None = None, path: str = "") -> str:
    """Compact JSON (no spaces), non-ASCII kept as UTF-8 characters. `convert` may turn values JSON
    has no type for (dates, times) into ones it has; it is called before a value is refused."""
    parts: list[str] = []
    try:
        _write(value, parts, convert)
    except _NotJson:
        # Only a bad record pays for finding where: the second walk builds the paths.
        _explain(value, path or "value", convert)
        raise NotJsonError(f"{path or 'value'} cannot be written as JSON")  # not reached: _explain raises
    text = "".join(parts)
    # One scan of the whole text instead of one per string.
    if _LONE_SURROGATE.search(text) is not None:
        _explain(value, path or "value", convert)
    return text


class _NotJson(Exception):
    """Raised by the fast walk; `_explain` then says what and where."""


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _write(value: Any, out: list[str], convert: Callable[[Any], Any] | None) -> None:
    kind = type(value)
    # Exact types first (the common case); subclasses fall through to isinstance.
    if kind is str:
        out.append(encode_basestring(value))
    elif value is None:
        out.append("null")
    elif kind is bool:
        out.append("true" if value else "false")
    elif kind is dict or isinstance(value, dict):
        out.append("{")
        first = True
        for key, item in value.items():
            if type(key) is not str:
                raise _NotJson()
            if not first:
                out.append(",")
            first = False
            out.append(encode_basestring(key))
            out.append(":")
            _write(item, out, convert)
        out.append("}")
    elif kind is list or kind is tuple or isinstance(value, (list, tuple)):
        out.append("[")
        first = True
        for item in value:
            if not first:
                out.append(",")
            first = False
            _write(item, out, convert)
        out.append("]")
    elif kind is int or (isinstance(value, int) and not isinstance(value, bool)):
        out.append(int.__repr__(value))
    elif kind is float or isinstance(value, float):
        if not math.isfinite(value):
            raise _NotJson()
        out.append(float.__repr__(value))
    elif kind is Decimal or isinstance(value, Decimal):
        if not value.is_finite():
            raise _NotJson()
        # str() of a finite Decimal is always a valid JSON number (e.g. 12.50, -0.001, 1E+3).
        out.append(str(value))
    elif isinstance(value, str):
        out.append(encode_basestring(str(value)))
    else:
        converted = convert(value) if convert is not None else value
        if converted is value:
            raise _NotJson()
        _write(converted, out, None)


def _explain(value: Any, path: str, convert: Callable[[Any], Any] | None) -> None:
    """Raises NotJsonError for the first value (in document order) JSON cannot carry, with its path."""
    if isinstance(value, str):
        found = _LONE_SURROGATE.search(value)
        if found is not None:
            raise NotJsonError(f"{path} is not well-formed Unicode (a lone surrogate at character {found.start() + 1})")
    elif value is None or isinstance(value, (bool, int)):
        return
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise NotJsonError(f"{path} is {value!r}, a number JSON cannot carry")
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise NotJsonError(f"{path} is {value}, a number JSON cannot carry")
    elif isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise NotJsonError(f"{path} has a key of type {type(key).__name__}; JSON object keys are strings")
            _explain(key, f"{path} key", None)
            _explain(item, f"{path}.{key}", convert)
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            _explain(item, f"{path}[{index}]", convert)
    else:
        converted = convert(value) if convert is not None else value
        if converted is value:
            raise NotJsonError(f"{path} is of type {type(value).__name__}, which JSON has no type for")
        _explain(converted, path, None)
