"""named_features reads the ``features`` field of a real typed payload, also one rebuilt from JSON."""

from __future__ import annotations

import dataclasses

from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split

import gapdoctor
from gapdoctor.causes.payload import payload_of
from gapdoctor.causes.pipeline_bug.result import SplitPreprocessing
from gapdoctor.experiments.features import named_features
from gapdoctor.findings import Finding


def test_named_features_are_the_payload_features_in_order_once_each_and_known() -> None:
    X, y = load_breast_cancer(return_X_y=True)
    Xt, Xv, yt, yv = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)
    Xv = Xv.copy()
    Xv[:, [0, 3]] *= 1000.0  # two columns in other units
    names = tuple(f"x{j}" for j in range(X.shape[1]))
    finding = next(
        f
        for f in gapdoctor.diagnose(X_train=Xt, y_train=yt, X_val=Xv, y_val=yv).findings
        if f.check == SplitPreprocessing.CHECK
    )
    result = finding.result
    assert isinstance(result, SplitPreprocessing)
    plotted = [p["name"] for p in result.features]
    assert sorted(plotted) == ["x0", "x3"]
    assert named_features(result, names) == plotted
    rebuilt = payload_of(Finding.from_dict(finding.to_dict()))
    assert isinstance(rebuilt, SplitPreprocessing) and named_features(rebuilt, names) == plotted
    # a repeated name counts once; a name that is not a column of these data is left out
    doubled = dataclasses.replace(
        result, features=[*result.features, result.features[0], dict(result.features[0], name="gone")]
    )
    assert named_features(doubled, names) == plotted
    assert named_features(result, ("x3",)) == ["x3"]
