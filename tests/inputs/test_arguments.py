"""The input arguments declared once: diagnose(), build_evidence, the bench and the CLI read the same list."""

from __future__ import annotations

import inspect
from pathlib import Path

import numpy as np
import pytest

import gapdoctor
from gapdoctor.bench.scenario import ScenarioData
from gapdoctor.inputs.arguments import ARRAY_INPUTS, DiagnoseInputs, input_names, own_metric_names
from gapdoctor.inputs.evidence import build_evidence


def test_diagnose_signature_is_the_declared_list_plus_experiments() -> None:
    parameters = inspect.signature(gapdoctor.diagnose).parameters
    declared = inspect.signature(DiagnoseInputs).parameters
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in parameters.values())
    assert [n for n in parameters if n != "experiments"] == list(declared) == list(input_names())
    for name, declared_parameter in declared.items():
        assert parameters[name].default == declared_parameter.default, name
        assert parameters[name].annotation == declared_parameter.annotation, name


def test_build_evidence_takes_exactly_the_declared_names() -> None:
    with pytest.raises(TypeError, match="X_trian"):
        build_evidence(X_trian=[[1.0]])
    evidence = build_evidence(**DiagnoseInputs(y_train=["a", "b"], y_val=["b", "a"], val_size=2).arguments())
    assert evidence.classes == ("a", "b") and evidence.val_size == 2


def test_array_inputs_are_the_per_row_arguments_and_the_bench_keeps_to_them() -> None:
    not_arrays = {"history", "metric", "model", "val_size", "higher_is_better", "training_dynamics"}
    assert set(ARRAY_INPUTS) == set(input_names()) - not_arrays
    recorded = sorted((Path(__file__).parents[1] / "data" / "bench").glob("*.npz"))
    assert len(recorded) == 42
    for path in recorded:
        with np.load(path, allow_pickle=False) as stored:
            assert set(stored.files) <= set(ARRAY_INPUTS), path.name
    with pytest.raises(ValueError, match="y_trian"):
        ScenarioData(history={}, arrays={"y_trian": np.zeros(2)}, metric="accuracy")


@pytest.mark.parametrize(
    ("metric", "higher_is_better", "argument"),
    [("acuracy", None, "metric"), (["accuracy"], None, "metric"), ("my_score", "yes", "higher_is_better")],
)
def test_metric_is_validated_at_one_door(metric: object, higher_is_better: object, argument: str) -> None:
    with pytest.raises(gapdoctor.GapdoctorInputError) as at_door:
        own_metric_names(metric, higher_is_better)
    assert at_door.value.argument == argument
    with pytest.raises(gapdoctor.GapdoctorInputError) as from_diagnose:
        gapdoctor.diagnose(metric=metric, higher_is_better=higher_is_better)  # type: ignore[arg-type]
    assert str(from_diagnose.value) == str(at_door.value)
    if higher_is_better is None:
        trials = [{"value": 0.5, "val_size": 10}, {"value": 0.6, "val_size": 10}]
        with pytest.raises(gapdoctor.GapdoctorInputError) as from_search:
            gapdoctor.diagnose_search(trials, metric=metric)  # type: ignore[arg-type]
        assert str(from_search.value) == str(at_door.value)


def test_own_metric_needs_a_direction() -> None:
    assert own_metric_names("my_score", True) == ("my_score",)
    assert own_metric_names("accuracy", False) == ()
