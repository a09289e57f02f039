"""The evidence keys the checks declare, read from their source with :mod:`ast`.

A check builds its evidence in a dict named ``figures`` (a literal, ``figures[key] = ...``,
``figures |= {...}`` or ``figures |= helper(...)`` where ``helper`` returns a dict literal)
or passes ``evidence={...}`` to :class:`~gapdoctor.Finding`. Keys written as f-strings
(``f"shifted_{rank}"``) come back with each placeholder as ``{}``.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

import gapdoctor.causes.registry

CAUSES_DIR = Path(gapdoctor.causes.registry.__file__).parent
_EVIDENCE_NAME = "figures"


def _key(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)  # type: ignore[misc]
    return None


def _dict_keys(node: ast.expr) -> Iterator[str]:
    if isinstance(node, ast.Dict):
        for k in node.keys:
            key = _key(k)
            if key is not None:
                yield key


def _returned_dicts(function: ast.FunctionDef) -> Iterator[str]:
    """Keys of the dict literals a helper returns (directly or through a local name)."""
    local: dict[str, list[str]] = {}
    for node in ast.walk(function):
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    local.setdefault(target.id, []).extend(_dict_keys(node.value))
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store) and isinstance(node.value, ast.Name):
            key = _key(node.slice)
            if key is not None:
                local.setdefault(node.value.id, []).append(key)
    for node in ast.walk(function):
        if isinstance(node, ast.Return) and node.value is not None:
            yield from _dict_keys(node.value)
            if isinstance(node.value, ast.Name):
                yield from local.get(node.value.id, [])


def module_keys(path: Path) -> set[str]:
    """Every evidence key one check module declares."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    functions = {n.name: n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
    called_for_name: dict[str, list[str]] = {}  # local name -> helper functions whose result it may hold
    keys: set[str] = set()

    def helpers_called(value: ast.expr) -> list[str]:
        """The module's own functions called anywhere in ``value`` (``f(x) if c else None``)."""
        return [
            n.func.id
            for n in ast.walk(value)
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in functions
        ]

    def merged(value: ast.expr) -> Iterator[str]:
        yield from _dict_keys(value)
        names = called_for_name.get(value.id, []) if isinstance(value, ast.Name) else helpers_called(value)
        for name in names:
            yield from _returned_dicts(functions[name])

    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    called_for_name.setdefault(target.id, []).extend(helpers_called(node.value))
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name) and target.id == _EVIDENCE_NAME:
                    keys.update(merged(node.value))
                stored = isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name)
                if stored and target.value.id == _EVIDENCE_NAME and (key := _key(target.slice)) is not None:  # type: ignore[attr-defined]
                    keys.add(key)
        if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name) and node.target.id == _EVIDENCE_NAME:
            keys.update(merged(node.value))
        if isinstance(node, ast.keyword) and node.arg == "evidence":
            keys.update(merged(node.value))
    return keys


def payload_keys() -> dict[str, set[str]]:
    """Module path (under ``causes/``) -> the evidence keys of the typed payloads it defines.

    A ``spread=True`` field's keys are built at run time: its ``key=``, when given, is their
    template (``key="noise_rate_pct[{}]"``); else its name stands for them with ``_{}``
    (``shifted`` -> ``shifted_{}``).
    """
    import dataclasses
    import importlib

    from gapdoctor.causes.payload import Payload

    for path in sorted(CAUSES_DIR.glob("*/result.py")):
        importlib.import_module(f"gapdoctor.causes.{path.parent.name}.result")
    out: dict[str, set[str]] = {}
    pending = list(Payload.__subclasses__())
    while pending:
        kind = pending.pop()
        pending.extend(kind.__subclasses__())
        if not dataclasses.is_dataclass(kind) or kind.__module__ not in sys.modules:
            continue  # a throw-away cause of another test, since unloaded
        if not kind.__module__.startswith("gapdoctor.causes."):
            continue  # a payload a test defines to test the payload machinery itself
        module = kind.__module__.removeprefix("gapdoctor.causes.").replace(".", "/") + ".py"
        for f in dataclasses.fields(kind):
            if f.metadata.get("place", "evidence") == "evidence":
                spread = f.metadata.get("spread")
                key = (f.metadata.get("key") or f"{f.name}_{{}}") if spread else (f.metadata.get("key") or f.name)
                out.setdefault(module, set()).add(key)
    return out


def declared_keys() -> dict[str, set[str]]:
    """Module path (under ``causes/``) -> the evidence keys it declares (dict literals in check
    code, and the fields of typed payloads), for every cause module."""
    paths = sorted([*CAUSES_DIR.glob("*.py"), *CAUSES_DIR.glob("*/*.py")])
    out = {str(path.relative_to(CAUSES_DIR)): module_keys(path) for path in paths}
    for module, keys in payload_keys().items():
        out[module] = out.get(module, set()) | keys
    return out
