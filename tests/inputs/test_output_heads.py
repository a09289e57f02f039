"""A multi-output model's per-output losses, read beside the total they add up to."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gapdoctor.inputs.output_heads import head_losses
from gapdoctor.io import read_history

DATA = Path(__file__).resolve().parents[1] / "data"


def _points(names_values: dict[str, list[float]]) -> list[tuple[str, float, float, float]]:
    return [(name, float(i), float(i), v) for name, values in names_values.items() for i, v in enumerate(values)]


def test_keras_names_give_each_output_its_training_and_validation_loss() -> None:
    logged = {
        "gender_loss": [0.7, 0.5],
        "age_loss": [2.3, 2.0],
        "val_gender_loss": [0.72, 0.6],
        "val_age_loss": [2.4, 2.2],
    }
    heads = head_losses(_points(logged), set(logged), total=True)
    assert sorted(heads) == ["age", "gender"]
    train, val = heads["age"]
    assert train.tolist() == [2.3, 2.0]
    assert val is not None and val.tolist() == [2.4, 2.2]


def test_loss_first_names_and_split_prefixes_are_read_alike() -> None:
    logged = {"loss_a": [1.0, 0.9], "loss_b": [0.7, 0.7], "val_loss_a": [1.1, 1.0], "train_c_loss": [3.0, 2.0]}
    heads = head_losses(_points(logged), set(logged), total=True)
    assert sorted(heads) == ["a", "b", "c"]
    assert heads["b"][1] is None  # no validation twin logged


def test_a_single_head_a_run_without_total_or_a_head_spelled_twice_is_not_read() -> None:
    one = {"aux_loss": [1.0, 0.5], "val_aux_loss": [1.0, 0.6]}
    assert head_losses(_points(one), set(one), total=True) == {}
    two = {"a_loss": [1.0, 0.5], "b_loss": [0.7, 0.6]}
    assert head_losses(_points(two), set(two), total=False) == {}
    twice = {"a_loss": [1.0, 0.5], "loss_a": [1.0, 0.5], "b_loss": [0.7, 0.6]}
    assert head_losses(_points(twice), set(twice), total=True) == {}  # 'a' under two spellings: not guessed


def test_per_step_spellings_are_not_heads() -> None:
    logged = {"train_loss_step": [1.0, 0.5], "train_loss_epoch": [1.0, 0.5], "loss_batch": [1.0, 0.5]}
    assert head_losses(_points(logged), set(logged), total=True) == {}


def test_a_real_three_output_wandb_run_keeps_its_outputs_losses() -> None:
    history = read_history(DATA / "real_logs_heldout35" / "wandb_dgbqa.wandb")
    assert sorted(history.heads) == ["hgr", "icgd", "id"]
    train, val = history.heads["id"]
    assert len(train) == 14 and val is not None and len(val) == 14
    assert abs(float(np.median(train[5:])) - np.log(10)) < 1e-3  # a uniform guess over 10 classes


def test_the_dict_door_keeps_a_multi_output_models_own_series_and_refuses_others() -> None:
    from gapdoctor.errors import GapdoctorInputError
    from gapdoctor.inputs.history import RunHistory
    from gapdoctor.inputs.output_heads import per_output_names

    keras_names = {
        "loss": [3.0, 2.0, 1.5],
        "digit_loss": [2.3, 1.3, 0.8],
        "size_loss": [0.69, 0.69, 0.69],
        "digit_accuracy": [0.2, 0.6, 0.8],
        "val_loss": [3.0, 2.1, 1.6],
        "val_size_accuracy": [0.5, 0.5, 0.5],
    }
    history = RunHistory.from_any(keras_names)  # strict, as diagnose(history=...) reads it
    assert sorted(history.heads) == ["digit", "size"]
    assert set(history.ignored) == {"digit_loss", "size_loss", "digit_accuracy", "val_size_accuracy"}
    assert per_output_names(["a_loss", "val_b_accuracy"]) == set()  # one head's loss is no multi-output model
    with pytest.raises(GapdoctorInputError, match="'foo' is not a name"):  # named after no output: refused
        RunHistory.from_any({**keras_names, "val_digit_top3": [0.1, 0.2, 0.3], "foo": [1, 2, 3]})
    without_total = {name: values for name, values in keras_names.items() if name != "loss"}
    with pytest.raises(GapdoctorInputError, match="is not a name"):
        RunHistory.from_any(without_total)  # no total training loss: the outputs' series are not read
