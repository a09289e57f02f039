"""What one partition computes (gapdoctor.scale.passes)."""

from __future__ import annotations

import numpy as np
import pytest

from gapdoctor.inputs.probabilities import probabilities
from gapdoctor.scale.passes import LabelCoding, feature_columns, pass_a, pass_b, renormalised

pd = pytest.importorskip("pandas")


def test_renormalised_probabilities_are_the_doors() -> None:
    p = np.array([[0.3, 0.7 + 1e-7], [1.0 + 1e-10, -1e-10]])  # off 1 by rounding, just past [0, 1]
    np.testing.assert_array_equal(renormalised(p), probabilities("train_probs", p, 2, "y_train"))


def test_a_partition_whose_arguments_differ_in_length_is_reported_not_computed() -> None:
    out = pass_a({"X": np.zeros((3, 2)), "y": np.zeros(4)}, np.arange(0), False, None)
    assert out == {"misaligned": {"X": 3, "y": 4}}


def test_pass_a_takes_the_sample_and_sums_probabilities_per_raw_label() -> None:
    X = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [0.0, np.nan, 1.0]})
    y = pd.Series(["dog", "cat", "dog"])
    probs = np.array([[0.3, 0.7], [0.8, 0.2], [0.4, 0.6]])
    out = pass_a({"X": X, "y": y, "probs": probs}, np.array([0, 2]), True, None)
    assert out["rows"] == 3 and out["sample"]["X"]["a"].tolist() == [1.0, 3.0]
    assert out["moments"].count.tolist() == [3, 2]
    assert out["labels"].keys.tolist() == ["cat", "dog"] and out["labels"].values.tolist() == [1, 2]
    np.testing.assert_allclose(out["prob_sums"].values, [[0.8, 0.2], [0.7, 1.3]])
    assert len(out["hashes"]) == 3


def test_text_features_are_hashed_value_by_value_and_give_no_moments() -> None:
    columns = feature_columns(pd.DataFrame({"a": ["x", "y", "x"], "b": [1.0, 2.0, 1.0]}))
    assert columns[0].dtype == np.uint64 and columns[0][0] == columns[0][2] != columns[0][1]
    assert columns[1].dtype == np.float64
    out = pass_a({"X": pd.DataFrame({"a": ["x", "y", "x"], "b": [1.0, 2.0, 1.0]})}, np.arange(0), True, None)
    assert out["moments"].count.tolist() == [0, 3]
    assert out["hashes"][0] == out["hashes"][2] != out["hashes"][1]


def test_pass_b_counts_the_confusion_and_each_groups_hits() -> None:
    coding = LabelCoding(np.array(["cat", "dog"]), np.array([0, 1]), 2)
    roles = {
        "y": np.array(["dog", "cat", "dog", "dog"]),
        "probs": np.array([[0.3, 0.7], [0.8, 0.2], [0.6, 0.4], [0.1, 0.9]]),
        "groups": np.array(["a", "a", "b", "b"]),
    }
    out = pass_b(roles, coding, False, None)
    assert out["confusion"].tolist() == [[1, 0], [1, 2]]
    assert out["group_correct"].values.tolist() == [[2.0, 2.0], [1.0, 2.0]]
