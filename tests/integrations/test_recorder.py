"""The framework-agnostic Recorder with plain numpy inputs (no framework needed)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from gapdoctor import GapdoctorInputError
from gapdoctor.integrations import Recorder


def test_numpy_rows_losses_predictions_and_string_labels() -> None:
    labels = np.array(["cat", "dog"] * 5)
    recorder = Recorder(y_train=labels, track_rows=4, seed=1)
    for epoch in range(3):
        for start in (0, 5):
            rows = np.arange(start, start + 5)
            losses = (rows + 1.0) / (epoch + 1)
            scores = np.eye(2)[rows % 2] if epoch else np.eye(2)[1 - rows % 2]
            recorder.log_batch(
                float(losses.mean()), labels=labels[rows], rows=rows, sample_losses=losses, predictions=scores
            )
        recorder.end_epoch(val_loss=1.0 / (epoch + 1))
    tracked = recorder.tracked_rows
    assert len(tracked) == 4 and len(set(tracked.tolist())) == 4
    np.testing.assert_allclose(recorder.sample_losses, [(tracked + 1.0) / (e + 1) for e in range(3)])
    assert recorder.sample_predictions[0] == (1 - tracked % 2).tolist()
    assert recorder.sample_predictions[2] == (tracked % 2).tolist()
    assert recorder.label_order == labels.tolist()  # first epoch, in the order seen
    diagnosis = recorder.diagnose()  # per-row losses and label order reach diagnose() and validate
    assert diagnosis.inputs["classes"] == ["cat", "dog"]
    state = json.loads(json.dumps(recorder.state_dict(), allow_nan=False))
    again = Recorder(y_train=labels, track_rows=4, seed=1)
    again.load_state_dict(state)
    assert again.sample_losses == recorder.sample_losses and again.label_order == recorder.label_order


def test_unknown_series_are_kept_apart_and_not_diagnosed() -> None:
    recorder = Recorder()
    for epoch in range(3):
        recorder.log_batch(1.0 / (epoch + 1))
        recorder.end_epoch(val_loss=0.5, throughput=100.0 + epoch, epoch=epoch)
    assert recorder.extra_curves == {"throughput": [100.0, 101.0, 102.0]}
    assert sorted(recorder.history()) == ["train_loss", "val_loss"]


def test_bad_metric_names_the_argument() -> None:
    with pytest.raises(GapdoctorInputError, match=r"^metric"):
        Recorder(metric="no_such_metric")


def test_finish_never_raises_on_bad_diagnosis_input() -> None:
    recorder = Recorder()
    recorder.log_batch(1.0)
    recorder.end_epoch(val_loss=1.0)
    with pytest.raises(GapdoctorInputError, match=r"^val_probs"):
        recorder.diagnose(val_probs=[[0.5, 0.5]])
    assert recorder.finish(val_probs=[[0.5, 0.5]]) is None and len(recorder.errors) == 1


def test_track_rows_needs_a_training_set_size() -> None:
    with pytest.raises(GapdoctorInputError, match=r"^track_rows"):
        Recorder(track_rows=-1, n_train=10)


@pytest.mark.parametrize(
    ("options", "argument"),
    [
        ({"track_rows": "256", "n_train": 10}, "track_rows"),
        ({"track_rows": True, "n_train": 10}, "track_rows"),
        ({"n_train": 10.5}, "n_train"),
        ({"seed": None}, "seed"),
        ({"diagnose_every": 2.0}, "diagnose_every"),
        ({"on_epoch_end": "save"}, "on_epoch_end"),
    ],
)
def test_options_of_the_wrong_type_name_the_argument(options: dict[str, object], argument: str) -> None:
    with pytest.raises(GapdoctorInputError, match=rf"^{argument}"):
        Recorder(**options)  # type: ignore[arg-type]


def test_a_weight_given_as_text_is_read_or_dropped_without_stopping_the_recording() -> None:
    recorder = Recorder()
    recorder.log_batch(1.0, weight="3")  # type: ignore[arg-type]
    recorder.log_batch(2.0, weight="heavy")  # type: ignore[arg-type]
    recorder.log_batch(3.0, weight=1)
    recorder.end_epoch()
    assert recorder.enabled and recorder.curves["train_loss"] == [1.5]  # (1 * 3 + 3 * 1) / 4
    assert len(recorder.errors) == 1 and "'weight'" in recorder.errors[0]


def test_the_training_accuracy_of_the_forward_passes_joins_the_history_when_none_is_logged() -> None:
    """Logits and labels logged per batch give each epoch's training accuracy (the label-noise fit gap
    reads it); a training accuracy the loop logs itself is kept as it is."""
    right, wrong = np.array([[2.0, 0.0]]), np.array([[0.0, 2.0]])

    def run(**logged: float) -> dict[str, list[float]]:
        recorder = Recorder(n_train=4)
        for epoch in range(3):
            for row in range(4):  # epoch e: rows below e + 1 are right
                recorder.log_batch(0.5, logits=right if row <= epoch else wrong, labels=np.array([0]), rows=[row])
            recorder.end_epoch(val_loss=0.4, val_accuracy=0.9, **logged)
        return dict(recorder.diagnose().curves)

    assert run()["train_accuracy"] == pytest.approx([0.25, 0.5, 0.75])
    assert run(train_accuracy=0.1)["train_accuracy"] == pytest.approx([0.1, 0.1, 0.1])
