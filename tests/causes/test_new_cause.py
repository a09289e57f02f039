"""Adding a cause is adding one folder: a throw-away cause, written at test time, goes everywhere.

The folder is written into a temporary directory and that directory is added to
``gapdoctor.causes.__path__``, exactly where the registry looks for cause folders: nothing
under ``src/`` or ``tests/`` is a cause folder that other tests (or a second
``load_causes()``) could pick up by accident, and the files are the ones a contributor
would write (CONTRIBUTING.md, "Adding a cause"). The fixture removes the cause from every
registry afterwards, so the other tests see the built-in twelve only.
"""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

import gapdoctor
import gapdoctor.causes
from gapdoctor.bench.runner import BenchResult, ScenarioResult
from gapdoctor.bench.table import confusion_table, heading, print_bench
from gapdoctor.causes import folders, payload, registry, vocabulary
from gapdoctor.experiments import lab
from gapdoctor.findings import Diagnosis
from gapdoctor.report import figure_registry

CAUSE = "one_class_predictions"
CHECK = f"{CAUSE}.argmax"
CAPTION = "Validation rows per predicted class"

FOLDER = {
    "__init__.py": '''
        """The ``one_class_predictions`` cause: a model that predicts one class for every row."""

        CHECKS = ("check",)
    ''',
    "spec.py": """
        from gapdoctor.causes.spec import CauseInfo
        from gapdoctor.causes.vocabulary import register_cause

        SPEC = register_cause(
            CauseInfo(
                "one_class_predictions",
                "One-class predictions",
                "The model predicts the same class for nearly every validation row.",
                ("Check the loss weights and the output layer's bias.",),
                short="one",
            )
        )
    """,
    "result.py": """
        from dataclasses import dataclass
        from typing import ClassVar

        from gapdoctor.causes.payload import Payload, figure, plot


        @dataclass(frozen=True)
        class OneClassPredictions(Payload):
            CHECK: ClassVar[str] = "one_class_predictions.argmax"
            predicted_class: str = figure(label="the class nearly every row is predicted as", shown_as="text")
            share_predicted: float = figure(label="share of validation rows predicted as that class", shown_as="share")
            per_class: list[int] = plot()
    """,
    "check.py": """
        import numpy as np

        from gapdoctor.causes.one_class_predictions.result import OneClassPredictions
        from gapdoctor.causes.registry import register
        from gapdoctor.findings import Finding
        from gapdoctor.inputs.evidence import Evidence

        NAME = "one_class_predictions.argmax"
        SHARE_THAT_FIRES = 0.9  # nine rows in ten predicted as one class: the model ignores its input
        SCORE = 0.97  # a throw-away cause: a fixed score, above every other check on these inputs


        @register(name=NAME, cause="one_class_predictions", requires=("val_probs",))
        def one_class(evidence: Evidence) -> list[Finding]:
            \"\"\"The share of validation rows predicted as the most predicted class.\"\"\"
            assert evidence.val_probs is not None  # required above
            counts = np.bincount(evidence.val_probs.argmax(axis=1), minlength=evidence.n_classes)
            share = float(counts.max() / counts.sum())
            if share < SHARE_THAT_FIRES:
                return []
            result = OneClassPredictions(str(evidence.classes[int(counts.argmax())]), share, counts.tolist())
            summary = f"{share:.0%} of validation rows are predicted as class {result.predicted_class}"
            return [Finding(cause="one_class_predictions", score=SCORE, summary=summary, check=NAME, result=result)]
    """,
    "figures.py": """
        from gapdoctor.causes.one_class_predictions.result import OneClassPredictions
        from gapdoctor.findings import Diagnosis
        from gapdoctor.report.figure_registry import Figure, figures_for
        from gapdoctor.report.svg import render


        @figures_for(OneClassPredictions)
        def _per_class(result: OneClassPredictions, diagnosis: Diagnosis) -> list[Figure]:
            def draw() -> str:
                return render("rows per class", 3.0, 2.0, lambda fig: fig.subplots().bar(range(3), result.per_class))

            return [("Validation rows per predicted class", draw)]
    """,
}


@pytest.fixture
def new_cause(tmp_path: Path) -> Iterator[str]:
    """The throw-away cause folder, found by the registries; every registry restored afterwards."""
    registry.load_causes()
    figure_registry.load_figures()
    folder = tmp_path / CAUSE
    folder.mkdir()
    for name, text in FOLDER.items():
        (folder / name).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    path = gapdoctor.causes.__path__
    path.append(str(tmp_path))
    saved = (
        dict(vocabulary._BY_NAME),
        dict(registry.REGISTRY),
        {k: list(v) for k, v in payload._BY_CHECK.items()},
        dict(figure_registry._MAKERS),
        dict(lab.INTERVENTIONS),
    )
    folders._LOADED.clear()
    figure_registry._LOADED.clear()
    registry.load_causes()  # what any diagnosis does first; the bench table is printed after diagnoses
    try:
        yield CAUSE
    finally:
        path.remove(str(tmp_path))
        for live, before in zip(
            (vocabulary._BY_NAME, registry.REGISTRY, payload._BY_CHECK, figure_registry._MAKERS, lab.INTERVENTIONS),
            saved,
            strict=True,
        ):
            live.clear()
            live.update(before)  # type: ignore[attr-defined]
        for module in [m for m in sys.modules if m.startswith(f"gapdoctor.causes.{CAUSE}")]:
            del sys.modules[module]
        folders._LOADED[:] = [True]
        figure_registry._LOADED[:] = [True]


def _inputs() -> dict[str, object]:
    """Three balanced classes, and a model that puts almost every validation row in class "b"."""
    rng = np.random.default_rng(0)
    y_train = np.repeat(["a", "b", "c"], 40)
    y_val = np.repeat(["a", "b", "c"], 30)
    val_probs = rng.dirichlet([1.0, 30.0, 1.0], size=len(y_val))
    return {"y_train": y_train, "y_val": y_val, "val_probs": val_probs}


def test_a_new_folder_is_a_registered_cause_with_its_check(new_cause: str) -> None:
    checks = {c.name: c for c in registry.all_checks()}
    assert CHECK in checks and checks[CHECK].cause == new_cause
    assert vocabulary.known_causes()[-1] == new_cause
    assert new_cause not in gapdoctor.CAUSES and len(gapdoctor.CAUSES) == 12  # the built-in vocabulary stays


def test_a_diagnosis_ranks_reports_and_draws_the_new_cause(
    new_cause: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    diagnosis = gapdoctor.diagnose(**_inputs())  # type: ignore[arg-type]
    run = next(c for c in diagnosis.checks if c.name == CHECK)
    assert run.status == "ran", run.reason
    assert diagnosis.top is not None and diagnosis.top.cause == new_cause
    assert diagnosis.top.evidence["predicted_class"] == "b"
    assert diagnosis.verdict().startswith("Most likely cause: one-class predictions (score 0.97)")

    text = diagnosis.render(width=120)
    assert "1. One-class predictions (score 0.97)" in text
    assert "the class nearly every row is predicted as" in text  # its own plain label

    html = diagnosis.to_html(tmp_path_factory.mktemp("report") / "report.html").read_text(encoding="utf-8")
    assert "One-class predictions" in html
    assert "The model predicts the same class for nearly every validation row." in html  # the spec's story
    assert "Check the loss weights" in html  # the spec's default fix
    assert f"<figcaption>{CAPTION}</figcaption>" in html and "<svg" in html
    # the folder's payload declares its evidence labels: no edit of the report's table of labels
    assert "share of validation rows predicted as that class" in html
    assert "share of validation rows predicted as that class" in diagnosis.render(width=200)

    rebuilt = Diagnosis.from_dict(diagnosis.to_dict())  # a stored diagnosis: its payload rebuilt by type
    assert rebuilt.top is not None and payload.payload_of(rebuilt.top) == diagnosis.top.result


def test_the_bench_table_has_a_column_for_the_new_cause(new_cause: str) -> None:
    def scenario(cause: str, top: str) -> ScenarioResult:
        return ScenarioResult(
            name=f"{cause}_1", cause=cause, description="", status="diagnosed", symptom="", symptom_figures={},
            top=top, ranked=[(top, 0.9)], build_seconds=0.0, cached=True, diagnose_seconds=0.0,
        )  # fmt: skip

    result = BenchResult([scenario(new_cause, new_cause), scenario("overfitting", new_cause)])
    assert heading(new_cause) == "one"
    table = confusion_table(result)
    assert [c.header for c in table.columns] == ["true cause", "one", "top-1"]
    from rich.console import Console

    console = Console(width=200, record=True, color_system=None)
    print_bench(result, console)
    assert f"one={new_cause}" in console.export_text()


def test_the_registries_are_back_to_the_built_in_causes() -> None:
    assert CAUSE not in vocabulary.known_causes()
    assert all(c.cause != CAUSE for c in registry.all_checks())
    assert not any(m.startswith(f"gapdoctor.causes.{CAUSE}") for m in sys.modules)
