"""
Structured JSON log lines, one per event, in the same shape as the Lambda handlers' logger
(`handlers/lib/logger.ts`): timestamp, level, service, message, then fields. Values under
secret-looking keys are replaced before anything is written.
"""
from __future__ import annotations

import json
import re
import sys
from datetime import datetime, timezone
from typing import Any, Callable, Mapping

SECRET_KEY = re.compile(
    r"token|password|passwd|secret|private|passphrase|authorization|credential|cookie|^key$|apikey|pem",
    re.IGNORECASE,
)
REDACTED = "[REDACTED]"
LEVELS = {"DEBUG": 10, "INFO": 20, "WARN": 30, "ERROR": 40}


def _stdout(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def redact(value: Any, depth: int = 0) -> Any:
    """A copy with secret-looking keys replaced; exceptions become {name, message}."""
    if depth > 6:
        return "[…]"
    if isinstance(value, BaseException):
        return {"name": type(value).__name__, "message": str(value)}
    if isinstance(value, Mapping):
        return {str(k): REDACTED if SECRET_KEY.search(str(k)) else redact(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact(v, depth + 1) for v in value]
    return value


class JsonLogger:
    def __init__(
        self,
        service: str,
        level: str = "INFO",
        write: Callable[[str], None] = _stdout,
        context: Mapping[str, Any] | None = None,
    ) -> None:
        self._service = service
        self._level = level.upper() if level.upper() in LEVELS else "INFO"
        self._write = write
        self._context = dict(context or {})

    def child(self, **context: Any) -> "JsonLogger":
        """A logger whose every line also carries these fields (e.g. the correlation id)."""
        return JsonLogger(self._service, self._level, self._write, {**self._context, **context})

    def debug(self, message: str, **fields: Any) -> None:
        self._log("DEBUG", message, fields)

    def info(self, message: str, **fields: Any) -> None:
        self._log("INFO", message, fields)

    def warn(self, message: str, **fields: Any) -> None:
        self._log("WARN", message, fields)

    def error(self, message: str, **fields: Any) -> None:
        self._log("ERROR", message, fields)

    def _log(self, level: str, message: str, fields: Mapping[str, Any]) -> None:
        if LEVELS[level] < LEVELS[self._level]:
            return
        entry = {
            "timestamp": datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": level,
            "service": self._service,
            "message": message,
            **redact(self._context),
            **redact(fields),
        }
        self._write(json.dumps(entry, default=str))
