"""The package's shape: no import cycles, no layering back-edges, no source file over 400 lines.

Imports are read with :mod:`ast` from every module of ``src/gapdoctor``, both the ones at
module level and the ones inside functions (lazy imports run too, only later). Imports under
``if TYPE_CHECKING:`` never run and are left out: they let an annotation name a type of a
higher layer (``stats.splits`` annotates with ``Evidence``) without depending on it.
A module's package ``__init__`` runs before it, but that implied edge is not counted: a
package ``__init__`` is a module of its own in the table below.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"

# Lowest first. A module may import modules of its own layer or of a lower one, never of a
# higher one. The first pattern that matches a module's dotted name gives its layer
# (``*``: one name, ``**``: any number of names); when several match, the most specific one
# (fewest wildcards) gives it: ``causes.*.figures`` is a layer above ``causes.**``.
LAYERS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    (
        "base",
        ("gapdoctor.errors", "gapdoctor.json_values"),
        "the error classes and JSON-safe values: everything may raise or serialise",
    ),
    (
        "stats",
        ("gapdoctor.stats", "gapdoctor.stats.**"),
        "statistics on plain arrays; knows nothing of inputs, causes or findings",
    ),
    (
        "fitting",
        ("gapdoctor.fitting", "gapdoctor.fitting.**"),
        "fitting the user's model (out-of-fold probabilities, re-trainings, their cache): used by the "
        "evidence to complete probabilities and by the experiments",
    ),
    (
        "inputs",
        ("gapdoctor.inputs", "gapdoctor.inputs.**"),
        "the validated inputs (Evidence, RunHistory), built from arrays with stats' helpers",
    ),
    (
        "declarations",
        (
            "gapdoctor.causes",
            "gapdoctor.causes.spec",
            "gapdoctor.causes.payload",
            "gapdoctor.causes.gain",
            "gapdoctor.causes.vocabulary",
            "gapdoctor.causes.folders",
            "gapdoctor.causes.*.spec",
        ),
        "the cause vocabulary, each cause's spec, the payload base and the finding of cause folders "
        "(imported by name: no static edge up): what a finding may name",
    ),
    (
        "findings",
        ("gapdoctor.findings", "gapdoctor.ranking"),
        "Finding, CheckRun, Diagnosis and the ranking, over the declared causes",
    ),
    (
        "experiment machinery",
        (
            "gapdoctor.experiments.lab",
            "gapdoctor.experiments.features",
        ),
        "the lab the causes' experiments run in: re-training, outcomes, verdicts",
    ),
    (
        "causes",
        ("gapdoctor.causes.**",),
        "the checks, payloads, experiments and figures of each cause folder, and the registry finding them",
    ),
    (
        "io",
        ("gapdoctor.io", "gapdoctor.io.**"),
        "files in and out: log readers into RunHistory (diagnose(history=path) reads through them), the run store",
    ),
    (
        "engine",
        (
            "gapdoctor.engine",
            "gapdoctor.search",
            "gapdoctor.experiments",
            "gapdoctor.experiments.runner",
            "gapdoctor",
            "gapdoctor.scale",
            "gapdoctor.scale.**",
        ),
        "diagnose() / diagnose_search() run the registered checks and experiments; the public facade; "
        "scale: diagnose() of Dask inputs, partition passes that merge statistics the causes define",
    ),
    (
        "drawing",
        (
            "gapdoctor.report",
            "gapdoctor.report.svg",
            "gapdoctor.report.plots",
            "gapdoctor.report.markup",
            "gapdoctor.report.labels",
            "gapdoctor.report.figure_registry",
        ),
        "the drawing primitives and the registry of figure makers by payload type",
    ),
    (
        "figures",
        ("gapdoctor.causes.*.figures",),
        "each cause folder's figure makers: what to draw for its payloads, with the drawing primitives",
    ),
    (
        "report",
        ("gapdoctor.report", "gapdoctor.report.**"),
        "terminal and HTML renderings of a Diagnosis, figures drawn from cause folders' makers",
    ),
    (
        "integrations",
        ("gapdoctor.integrations", "gapdoctor.integrations.**", "gapdoctor.torch"),
        "training-loop adapters over one Recorder, which diagnoses through the engine",
    ),
    ("bench", ("gapdoctor.bench", "gapdoctor.bench.**"), "fault scenarios scored through the public API"),
    (
        "applications",
        ("gapdoctor.demo", "gapdoctor.cli", "gapdoctor.cli_*", "gapdoctor.__main__"),
        "the demo and the command line, over everything below",
    ),
)

# Lazy imports that go up a layer on purpose, each with its reason. A module-level one never may.
ALLOWED_LAZY_BACK_EDGES: dict[tuple[str, str], str] = {
    ("gapdoctor.findings", "gapdoctor.report.html"): "Diagnosis.to_html, public contract, delegates to report/",
    ("gapdoctor.findings", "gapdoctor.report.terminal"): "Diagnosis.render / __str__, public contract",
    ("gapdoctor.findings", "gapdoctor.report.rows"): "Diagnosis.rows_table, public contract",
}

MAX_LINES = 400
"""A file past this is two ideas (STYLE.md): split it."""
OVER_MAX_LINES: dict[str, str] = {}


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted((SRC / "gapdoctor").rglob("*.py")):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _resolve(name: str) -> str | None:
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _imports(module: str) -> Iterator[tuple[str, bool]]:
    """(imported gapdoctor module, lazy) for each import of ``module`` that runs."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]

    def walk(node: ast.AST, lazy: bool) -> Iterator[tuple[str, bool]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                for branch in child.orelse:
                    yield from walk(branch, lazy)
                continue
            names: list[str] = []
            if isinstance(child, ast.Import):
                names = [alias.name for alias in child.names]
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = package.split(".")[: len(package.split(".")) - child.level + 1]
                    base = ".".join([*anchor, *([child.module] if child.module else [])])
                names = [base] + [f"{base}.{alias.name}" for alias in child.names]
            for name in names:
                target = _resolve(name) if name.split(".")[0] == "gapdoctor" else None
                if target is not None and target != module:
                    yield target, lazy
            yield from walk(child, lazy or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)))

    yield from walk(ast.parse(path.read_text(encoding="utf-8")), False)


def _edges() -> dict[tuple[str, str], bool]:
    """(importer, imported) -> lazy (False when any import of the pair runs at module level)."""
    edges: dict[tuple[str, str], bool] = {}
    for module in MODULES:
        for target, lazy in _imports(module):
            edges[(module, target)] = edges.get((module, target), True) and lazy
    return edges


EDGES = _edges()


def _matches(module: str, pattern: str) -> bool:
    parts = (".+" if part == "**" else part.replace("*", "[^.]+") for part in pattern.split("."))
    return re.fullmatch(r"\.".join(parts), module) is not None


def _layer(module: str) -> int:
    """The layer of the most specific pattern that matches (fewest wildcards; lowest layer on a tie)."""
    matches = [
        (pattern.count("*"), index)
        for index, (_, patterns, _) in enumerate(LAYERS)
        for pattern in patterns
        if _matches(module, pattern)
    ]
    if matches:
        return min(matches)[1]
    raise AssertionError(f"{module} is in no layer of tests/test_layout.py: add it to LAYERS with its reason")


def _cycle(edges: set[tuple[str, str]]) -> list[str] | None:
    graph: dict[str, list[str]] = {}
    for a, b in sorted(edges):
        graph.setdefault(a, []).append(b)
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in graph.get(node, ()):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)) is not None:
                return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start)) is not None:
            return found
    return None


def test_the_import_reader_sees_the_known_edges() -> None:
    assert len(MODULES) > 100
    assert EDGES[("gapdoctor.engine", "gapdoctor.causes.registry")] is False
    assert EDGES[("gapdoctor.findings", "gapdoctor.report.html")] is True  # inside Diagnosis.to_html
    assert ("gapdoctor.stats.splits", "gapdoctor.inputs.evidence") not in EDGES  # under TYPE_CHECKING
    assert _cycle({("a", "b"), ("b", "c"), ("c", "a")}) == ["a", "b", "c", "a"]
    assert LAYERS[_layer("gapdoctor.causes.overfitting.spec")][0] == "declarations"
    assert LAYERS[_layer("gapdoctor.causes.overfitting.check")][0] == "causes"
    assert LAYERS[_layer("gapdoctor.stats.metrics")][0] == "stats"


def test_no_module_level_import_cycle() -> None:
    cycle = _cycle({pair for pair, lazy in EDGES.items() if not lazy})
    assert cycle is None, "module-level import cycle: " + " -> ".join(cycle or ())


def test_no_import_cycle_even_through_lazy_imports() -> None:
    cycle = _cycle({pair for pair in EDGES if pair not in ALLOWED_LAZY_BACK_EDGES})
    assert cycle is None, "import cycle (through a lazy import): " + " -> ".join(cycle or ())


def test_every_module_has_a_layer() -> None:
    for module in MODULES:
        _layer(module)


def test_no_import_goes_up_a_layer() -> None:
    back = [
        f"{a} ({LAYERS[_layer(a)][0]}) -> {b} ({LAYERS[_layer(b)][0]}){' lazily' if lazy else ''}"
        for (a, b), lazy in sorted(EDGES.items())
        if _layer(b) > _layer(a) and not (lazy and (a, b) in ALLOWED_LAZY_BACK_EDGES)
    ]
    assert not back, "imports against the layering:\n" + "\n".join(back)


def test_the_allowed_back_edges_still_exist() -> None:
    stale = [pair for pair in ALLOWED_LAZY_BACK_EDGES if EDGES.get(pair) is not True]
    assert not stale, f"no longer lazy imports (drop them from ALLOWED_LAZY_BACK_EDGES): {stale}"


def test_no_source_file_over_400_lines() -> None:
    long = {
        str(path.relative_to(SRC)): n
        for path in (SRC / "gapdoctor").rglob("*.py")
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    unexpected = {name: n for name, n in long.items() if name not in OVER_MAX_LINES}
    assert not unexpected, f"files over {MAX_LINES} lines (split each by idea): {unexpected}"
    fixed = sorted(set(OVER_MAX_LINES) - set(long))
    assert not fixed, f"now under {MAX_LINES} lines, drop from OVER_MAX_LINES: {fixed}"
