"""Reading requests: query-protocol forms (``Action=...&A.1.B=v``), the request body of SQS's
legacy protocol and of SNS, as nested dicts; and what the protocols answer when a request's
members have the wrong shape."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import parse_qsl

_log = logging.getLogger("pymsg.aws")

# What an operation raises when a member has the wrong type or shape (a string where a list or
# map belongs, a list of numbers where entries belong, nesting deeper than Python recurses):
# the client's fault, answered with a 400 in each protocol, never a 500.
MALFORMED = (TypeError, ValueError, KeyError, AttributeError, IndexError, RecursionError)


def form_action(form: dict[Any, Any]) -> str:
    """The form's Action, or "" when it has none or none that is a plain value ("Action.1=x"
    nests a map under the name)."""
    action = form.get("Action")
    return action if isinstance(action, str) else ""


def malformed(action: str, exc: BaseException) -> str:
    """The message of the 400 for a malformed `action` request; the details go to the log."""
    _log.debug("malformed %s request: %r", action, exc, exc_info=exc)
    return f"Malformed request: a member of {action} has the wrong type or shape."


def form_tree(body: bytes, skip: frozenset[str] = frozenset()) -> dict[Any, Any]:
    """The form's members nested by their dotted names, numbers as ints: "A.1.B=v" gives
    {"A": {1: {"B": "v"}}}. Parts named in `skip` (SNS's "member" and "entry" wrappers) are
    dropped. A later member wins over an earlier one of the same name. ValueError (a
    UnicodeDecodeError) when the body is not UTF-8."""
    out: dict[Any, Any] = {}
    for key, value in parse_qsl(body.decode(), keep_blank_values=True):
        parts: list[Any] = [int(p) if p.isascii() and p.isdigit() else p for p in key.split(".") if p not in skip]
        if not parts:
            continue
        node = out
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):  # "A=1&A.1=2": the deeper one wins
                child = node[part] = {}
            node = child
        node[parts[-1]] = value
    return out
