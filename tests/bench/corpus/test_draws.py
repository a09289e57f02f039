"""Recipes: every cause has one, draws are deterministic, every kind can be drawn on both sides of the split."""

from __future__ import annotations

import json

import pytest

from gapdoctor import CAUSES
from gapdoctor.bench.corpus.draws import (
    DRAWERS,
    PAIRS,
    SEVERITIES,
    TORCH_BATCHES,
    allowed_datasets,
    allowed_models,
    draw_params,
)
from gapdoctor.bench.corpus.families import DATASETS, MLP_MODELS, MODELS, OPT_IN_MODELS, available_models
from gapdoctor.bench.corpus.split import DEFAULT_HELD_OUT
from gapdoctor.errors import GapdoctorInputError

KINDS_TO_DRAW = [(c,) for c in CAUSES] + [()] + [tuple(p) for p in PAIRS]


def test_every_cause_has_a_drawer() -> None:
    assert sorted(DRAWERS) == sorted(CAUSES)


@pytest.mark.parametrize("causes", KINDS_TO_DRAW, ids=lambda c: "+".join(c) or "healthy")
def test_draw_is_deterministic_json_safe_and_labelled(causes: tuple[str, ...]) -> None:
    for seed in range(20):
        params = draw_params(causes, seed, MODELS)
        assert params == draw_params(causes, seed, MODELS)
        assert json.loads(json.dumps(params)) == params
        assert params["causes"] == list(causes)
        assert params["severity"] in SEVERITIES
        assert params["dataset"] in allowed_datasets(causes)
        assert params["model"] in allowed_models(causes, MODELS)
    assert len({json.dumps(draw_params(causes, seed, MODELS), sort_keys=True) for seed in range(20)}) == 20


@pytest.mark.parametrize("causes", KINDS_TO_DRAW, ids=lambda c: "+".join(c) or "healthy")
def test_every_kind_has_data_sets_on_both_sides_of_the_default_split(causes: tuple[str, ...]) -> None:
    datasets = set(allowed_datasets(causes))
    held = set(DEFAULT_HELD_OUT["dataset"])
    assert datasets & held, "nothing to report on"
    assert datasets - held, "nothing to calibrate on"


def test_memorising_causes_draw_models_with_a_hidden_layer() -> None:
    for cause in ("overfitting", "label_noise", "pseudo_label_noise"):
        assert set(allowed_models((cause,), MODELS)) == set(MLP_MODELS) & set(MODELS)
        assert set(allowed_models((cause,), MODELS + OPT_IN_MODELS)) == set(MLP_MODELS)
        assert all(draw_params((cause,), s, MODELS)["train"]["hidden"] for s in range(10))


def test_the_cnn_is_drawn_only_when_named() -> None:
    assert "torch_cnn" not in available_models()  # every earlier seed draws what it drew before
    assert all(draw_params(("overfitting",), s, MODELS)["model"] != "torch_cnn" for s in range(20))
    kinds = [("overfitting",), (), ("label_noise",)]
    named = [draw_params(causes, s, ("torch_cnn",)) for s, causes in enumerate(kinds)]
    assert [p["model"] for p in named] == ["torch_cnn"] * 3
    assert all(p["train"]["batch_size"] in TORCH_BATCHES for p in named)  # the torch families' batch sizes


def test_pairs_set_two_stages_of_one_run() -> None:
    params = draw_params(("label_noise", "distribution_shift"), 4, ("sklearn_mlp",))
    assert params["split"]["kind"] in ("covariate_shift", "label_shift")
    assert params["transforms"][0]["kind"] in ("symmetric_flip", "class_conditional_flip")
    params = draw_params(("preprocessing_leakage", "overfitting"), 4, ("sklearn_mlp",))
    assert params["transforms"][0]["kind"] in ("target_encoding", "knn_stacking")
    assert params["train"]["alpha"] == 0.0 and params["max_train_rows"] <= 300


def test_severity_sets_the_size_of_the_fault() -> None:
    rates = {s: [] for s in SEVERITIES}
    for seed in range(60):
        params = draw_params(("label_noise",), seed, ("sklearn_mlp",))
        step = params["transforms"][0]
        if step["kind"] == "symmetric_flip":
            rates[params["severity"]].append(step["rate"])
    assert max(rates["mild"]) < min(rates["moderate"]) < max(rates["moderate"]) < min(rates["severe"])


def test_mnist1d_is_drawn_only_when_named_and_every_kind_can_be() -> None:
    assert "mnist1d" not in DATASETS  # every earlier seed draws what it drew before
    assert all(draw_params(causes, s, MODELS)["dataset"] != "mnist1d" for s, causes in enumerate(KINDS_TO_DRAW))
    for seed, causes in enumerate(KINDS_TO_DRAW):
        params = draw_params(causes, seed, MODELS, ("mnist1d",))
        assert params["dataset"] == "mnist1d" and "data_options" not in params  # its rows are fixed, not drawn
    saturation = draw_params(("metric_saturation",), 0, MODELS, ("mnist1d",))
    assert len(saturation["split"]["classes"]) == 2  # as on digits: two of its ten digits
    mismatch = draw_params(("metric_mismatch",), 0, MODELS, ("mnist1d",))
    assert mismatch["metric"] == "balanced_accuracy"  # ten classes, some kept rare, as on digits


def test_a_data_set_list_a_cause_cannot_be_drawn_on_is_refused() -> None:
    with pytest.raises(GapdoctorInputError, match="datasets: has none of the families"):
        draw_params(("label_noise",), 0, MODELS, ("iris",))  # label noise is never drawn on iris
    with pytest.raises(GapdoctorInputError, match="datasets: names no or unknown families"):
        draw_params(("label_noise",), 0, MODELS, ("cifar10",))
