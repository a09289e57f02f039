"""stats.splits: the helpers the split checks share (feature names, numbered figures)."""

from __future__ import annotations

import numpy as np

from gapdoctor.inputs.evidence import build_evidence
from gapdoctor.stats.splits import feature_texts, name_of


def test_feature_texts_number_the_features_in_the_order_given_with_their_names() -> None:
    evidence = build_evidence(X_train=np.zeros((12, 3)), X_val=np.ones((12, 3)))
    texts = feature_texts(evidence, "leaky", [2, 0], lambda j: f"gap {j / 10:.1f}")
    assert texts == {"leaky_1": f"{name_of(evidence, 2)}: gap 0.2", "leaky_2": f"{name_of(evidence, 0)}: gap 0.0"}
    assert list(texts) == ["leaky_1", "leaky_2"]
    assert feature_texts(evidence, "leaky", [], str) == {}


def test_a_feature_without_a_name_is_called_by_its_column() -> None:
    evidence = build_evidence(X_train=np.zeros((12, 2)), X_val=np.ones((12, 2)))
    assert name_of(evidence, 7) == "x7"
    assert feature_texts(evidence, "affine", [7], lambda j: "val = 2 x train + 0") == {
        "affine_1": "x7: val = 2 x train + 0"
    }
