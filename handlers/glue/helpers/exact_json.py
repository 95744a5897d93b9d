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

import json
import math
import re
from decimal import Decimal
from typing import Any, Callable


class NotJsonError(ValueError):
    """A value JSON cannot carry; the message names where it is (e.g. `payload.amount`)."""


def dumps(value: Any, *, convert: Callable[[Any], Any] | None = None, path: str = "") -> str:
    """Compact JSON (no spaces), non-ASCII kept as UTF-8 characters. `convert` may turn values JSON
    has no type for (dates, times) into ones it has; it is called before a value is refused."""
    parts: list[str] = []
    _write(value, parts, convert, path or "value")
    return "".join(parts)


def _write(value: Any, out: list[str], convert: Callable[[Any], Any] | None, path: str) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, str):
        _check_well_formed(value, path)
        out.append(json.dumps(value, ensure_ascii=False))
    elif isinstance(value, int):
        out.append(int.__repr__(value))
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise NotJsonError(f"{path} is {value!r}, a number JSON cannot carry")
        out.append(float.__repr__(value))
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise NotJsonError(f"{path} is {value}, a number JSON cannot carry")
        # str() of a finite Decimal is always a valid JSON number (e.g. 12.50, -0.001, 1E+3).
        out.append(str(value))
    elif isinstance(value, dict):
        out.append("{")
        for index, (key, item) in enumerate(value.items()):
            if not isinstance(key, str):
                raise NotJsonError(f"{path} has a key of type {type(key).__name__}; JSON object keys are strings")
            _check_well_formed(key, f"{path} key")
            if index:
                out.append(",")
            out.append(json.dumps(key, ensure_ascii=False))
            out.append(":")
            _write(item, out, convert, f"{path}.{key}")
        out.append("}")
    elif isinstance(value, (list, tuple)):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _write(item, out, convert, f"{path}[{index}]")
        out.append("]")
    else:
        converted = convert(value) if convert is not None else value
        if converted is value:
            raise NotJsonError(f"{path} is of type {type(value).__name__}, which JSON has no type for")
        _write(converted, out, None, path)


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _check_well_formed(text: str, path: str) -> None:
    found = _LONE_SURROGATE.search(text)
    if found is not None:
        raise NotJsonError(f"{path} is not well-formed Unicode (a lone surrogate at character {found.start() + 1})")
