"""Every error pymsg raises comes from a message table (pymsg.messages), read off the sources.

tests/test_aws_message_table.py makes each table entry happen and checks its words; these two
tests close the loop from the other side: no Python layer raises a pymsg error except through
messages.error(), and each message the C++ core builds has an entry with its code whose template
holds every piece of literal text of that message. Together they walk every error pymsg can
raise. They read the sources, so they skip where only an installed wheel is being tested."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import pytest

from pymsg import errors, messages

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / "src" / "pymsg"
CPP = ROOT / "src" / "cpp"
ERROR_CLASSES = {name for name, value in vars(errors).items()
                 if inspect.isclass(value) and issubclass(value, errors.PymsgError)}

pytestmark = pytest.mark.skipif(not (PYTHON / "messages.py").exists() or not CPP.exists(),
                                reason="the sources are not beside the tests")


def _called_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Name):
            return func.id
        if isinstance(func, ast.Attribute):
            return func.attr
    return None


def test_python_layers_raise_pymsg_errors_only_through_a_table() -> None:
    direct = []
    for path in sorted(PYTHON.rglob("*.py")):
        if path.name in {"errors.py", "messages.py"}:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            name = _called_name(node.exc) if isinstance(node, ast.Raise) and node.exc is not None else None
            if name in ERROR_CLASSES:
                direct.append(f"{path.relative_to(ROOT)}:{node.lineno} raises {name}(...)")
    assert not direct, "raised without a table entry:\n" + "\n".join(direct)


def _error_arguments(text: str, start: int) -> tuple[list[str], int]:
    """The string literals in the call whose arguments begin at `start`, and where it ends."""
    pieces, depth, i = [], 1, start
    while depth and i < len(text):
        if text[i] == '"':
            j = i + 1
            while text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            pieces.append(text[i + 1:j].encode().decode("unicode_escape"))
            i = j
        elif text[i] in "()":
            depth += 1 if text[i] == "(" else -1
        i += 1
    return pieces, i


# Where the core makes a pymsg error: Error(ErrorCode::X, text) in the core, and in the bindings
# raise(ErrorCode::X, text) and PyErr_Format(error_class(ErrorCode::X), format, ...).
_MAKERS = re.compile(r"\b(?:Error|raise)\(ErrorCode::(\w+),|\berror_class\(ErrorCode::(\w+)\),")
_PRINTF = re.compile(r"%(?:[-+ #0-9.]*)(?:z|l|ll)?[a-zA-Z]")  # a printf conversion: a value goes there


def _core_messages() -> list[tuple[str, str, list[str]]]:
    """(where, code, literal pieces) for each error the core and its bindings build."""
    found = []
    for path in sorted(CPP.rglob("*.[ch]pp")):
        text = path.read_text()
        for match in _MAKERS.finditer(text):
            literals, _ = _error_arguments(text, match.end())
            if match.group(2):  # a format: its conversions stand for values
                literals = [piece for literal in literals for piece in _PRINTF.split(literal)]
            line = text.count("\n", 0, match.start()) + 1
            pieces = [p for p in literals if p.strip(" .:'()")]
            found.append((f"{path.relative_to(ROOT)}:{line}", match.group(1) or match.group(2), pieces))
    return found


def _covered(piece: str, templates: list[str]) -> bool:
    """Whether `piece` is part of an entry's text, or a whole message of one (any field's value)."""
    return any(piece in t or messages.Message("", t).pattern().match(piece) for t in templates)


def test_core_messages_have_table_entries() -> None:
    templates: dict[str, list[str]] = {}
    for table in messages.TABLES.values():
        for entry in table.values():
            templates.setdefault(entry.code, []).append(entry.template)
    core = _core_messages()
    assert len(core) > 50  # the scan finds the core's messages
    # Each piece of literal text must stand in a template of the same code (a message that picks
    # one of two texts has its pieces in two entries).
    missing = [f"{where} {code}: {piece!r}" for where, code, pieces in core for piece in pieces
               if not _covered(piece, templates.get(code, []))]
    assert not missing, "core messages with no table entry:\n" + "\n".join(missing)


def test_no_table_names_an_entry_twice() -> None:
    # A dict literal keeps the last of two equal keys without a word: the first entry would be lost.
    twice = []
    for path in (PYTHON / "messages.py", Path(__file__).parent / "test_aws_message_table.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Dict):
                keys = [k.value for k in node.keys if isinstance(k, ast.Constant)]
                twice += [f"{path.name}: {key!r}" for key in set(keys) if keys.count(key) > 1]
    assert not twice
