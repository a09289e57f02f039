"""No score arithmetic outside a cause's ``score.py``: the one place that maps its statistic to a score.

Every cause folder declares how its measured statistics become a strength of evidence in
``causes/<cause>/score.py`` (reporting points, caps, weights, with the reason beside each).
The other modules of the folder (checks, companions, experiments, figures) measure; they
never turn a statistic into a score themselves. The scan reads each module with :mod:`ast`
and fails on what a score computed in place looks like:

- importing or calling a mapping primitive (``squash``, ``strength_from_ratio``, ``capped``);
- a number other than 0 or 1 in an assignment to a name about the score (``score``,
  ``strength``, ``*_strength``): ``strength *= 0.5``, ``score = min(score, 0.45)``;
- a module constant of the same module in such an assignment (``strength / _AT_REPORT``,
  ``score = min(score, _CAP)``): the constant belongs in ``score.py``;
- a score compared with a number other than 0 or 1, or passed as a number
  (``Finding(score=0.9)``, ``Finding(cause, 0.9, ...)``, ``finding.score >= 0.9``): a named
  constant says why.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from gapdoctor.causes.vocabulary import CAUSES

CAUSES_DIR = Path(__file__).resolve().parents[2] / "src" / "gapdoctor" / "causes"
PRIMITIVES = {"squash", "strength_from_ratio", "capped"}
DECLARATIONS = {"score.py", "spec.py"}


def _about_score(name: str) -> bool:
    return name == "score" or name == "strength" or name.endswith(("_score", "_strength"))


def _numbers(node: ast.AST) -> list[float]:
    """Numeric literals in ``node`` other than 0 and 1 (a sign flip, a clip to [0, 1], a count)."""
    return [
        float(n.value)
        for n in ast.walk(node)
        if isinstance(n, ast.Constant)
        and isinstance(n.value, int | float)
        and not isinstance(n.value, bool)
        and float(n.value) not in (0.0, 1.0)
    ]


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _target_name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def score_arithmetic(source: str) -> list[str]:
    """What in ``source`` computes a score in place, one line per finding (empty: none).

    Examples
    --------
    >>> score_arithmetic("score = squash(strength, 1.0)")
    ['line 1: calls squash']
    >>> score_arithmetic("score = compute(statistic)")
    []
    """
    tree = ast.parse(source)
    constants = {
        t.id
        for node in tree.body
        if isinstance(node, ast.Assign | ast.AnnAssign)
        for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
        if isinstance(t, ast.Name) and t.id.lstrip("_").isupper()
    }
    problems: list[str] = []
    for node in ast.walk(tree):
        where = f"line {getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.ImportFrom):
            problems += [f"{where}: imports {a.name}" for a in node.names if a.name in PRIMITIVES]
        elif isinstance(node, ast.Call):
            called = _target_name(node.func)
            if called in PRIMITIVES:
                problems.append(f"{where}: calls {called}")
            for keyword in node.keywords:
                if keyword.arg == "score" and _numbers(keyword.value):
                    problems.append(f"{where}: score={ast.unparse(keyword.value)}")
            # Finding(cause, score, ...): the score is the second positional argument
            if called == "Finding" and len(node.args) >= 2 and _numbers(node.args[1]):
                problems.append(f"{where}: Finding score {ast.unparse(node.args[1])}")
        elif isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = [name for t in targets for e in ast.walk(t) if (name := _target_name(e)) is not None]
            if node.value is None or not any(_about_score(n) for n in names):
                continue
            if _numbers(node.value):
                problems.append(f"{where}: number in {ast.unparse(node)}")
            local = sorted(_names(node.value) & constants)
            if local:
                problems.append(f"{where}: module constant {', '.join(local)} in {ast.unparse(node)}")
        elif isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if any(_about_score(_target_name(s) or "") for s in sides) and any(_numbers(s) for s in sides):
                problems.append(f"{where}: score compared with a number in {ast.unparse(node)}")
    return problems


def _measuring_modules() -> list[Path]:
    return sorted(
        path
        for cause in CAUSES
        for path in (CAUSES_DIR / cause).glob("*.py")
        if path.name not in DECLARATIONS and path.name != "__init__.py"
    )


@pytest.mark.parametrize("path", _measuring_modules(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_score_arithmetic_outside_the_declared_scoring(path: Path) -> None:
    problems = score_arithmetic(path.read_text(encoding="utf-8"))
    assert not problems, f"{path.parent.name}/{path.name} computes a score in place (move it to score.py): {problems}"


@pytest.mark.parametrize("cause", CAUSES)
def test_every_cause_declares_its_scoring(cause: str) -> None:
    path = CAUSES_DIR / cause / "score.py"
    assert path.exists(), f"causes/{cause}/ has no score.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    functions = [n.name for n in tree.body if isinstance(n, ast.FunctionDef) and not n.name.startswith("_")]
    assert functions, f"causes/{cause}/score.py declares no scoring function"
    called = {_target_name(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    assert called & {"strength_from_ratio", "capped"}, f"causes/{cause}/score.py does not map through stats.scoring"
    checks = [p for p in (CAUSES_DIR / cause).glob("*.py") if "register(" in p.read_text(encoding="utf-8")]
    assert checks, f"causes/{cause}/ registers no check"
    assert any(f"causes.{cause}.score import" in p.read_text(encoding="utf-8") for p in checks), (
        f"no check of causes/{cause}/ reads its score.py"
    )


@pytest.mark.parametrize(
    ("source", "caught"),
    [
        ("score = squash(strength, 1.0)", "calls squash"),
        ("from gapdoctor.stats.accumulators import squash", "imports squash"),
        ("strength *= 0.5", "number in"),
        ("score = min(score, 0.45)", "number in"),
        ("_CAP = 0.45\ndef f(score):\n    score = min(score, _CAP)\n    return score", "module constant _CAP"),
        ("_AT_REPORT = 0.05\nx = 1\ngap_strength = x / _AT_REPORT", "module constant _AT_REPORT"),
        ("Finding(cause='c', score=0.9)", "score=0.9"),
        ("Finding('overfitting', 0.95, 'diverged')", "Finding score 0.95"),
        ("f(diverged.score >= 0.9)", "score compared with a number"),
        ("ok = noise and score >= 0.5", "score compared with a number"),
    ],
)
def test_the_scan_catches_score_arithmetic(source: str, caught: str) -> None:
    problems = score_arithmetic(source)
    assert any(caught in p for p in problems), problems


@pytest.mark.parametrize(
    "source",
    [
        "score = instability_score(noise, rises, len(spikes), improving=True, sampled=False)",
        "strength = max(strength, 0.0)",
        "scores = [sign * lab.score(y, p) for p in candidates]",
        "if score < MIN_FINDING_SCORE:\n    pass",
        "Finding(cause='c', score=strength_of_evidence)",
        "threshold = 0.5",
    ],
)
def test_the_scan_passes_measuring_code(source: str) -> None:
    assert score_arithmetic(source) == []
