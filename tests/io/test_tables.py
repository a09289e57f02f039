"""Data splits written by pandas, pyarrow and numpy: the row index is no feature, columns are distinct."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_wine
from sklearn.model_selection import train_test_split

from gapdoctor import GapdoctorInputError
from gapdoctor.io import read_labels_and_features, read_probabilities


def _wine_split() -> tuple[pd.DataFrame, pd.DataFrame]:
    frame = load_wine(as_frame=True).frame.rename(columns={"target": "label"})
    train, val = train_test_split(frame, test_size=0.3, random_state=0, stratify=frame["label"])
    return train, val  # both keep the original, shuffled row numbers as their index


def test_pandas_default_index_column_is_dropped_with_a_note(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    train, _ = _wine_split()
    n_features = train.shape[1] - 1
    shuffled, ranged = tmp_path / "train.csv", tmp_path / "ranged.csv"
    train.to_csv(shuffled)  # pandas' default: the index first, under an empty name
    train.reset_index(drop=True).to_csv(ranged)  # index 0..n-1
    for path in (shuffled, ranged):
        with caplog.at_level(logging.WARNING, logger="gapdoctor"):
            X, y, names = read_labels_and_features(path, "label")
        assert X.shape == (len(train), n_features) and names == list(train.columns[:-1])
        assert np.array_equal(y, train["label"].to_numpy())
        assert "row index pandas wrote" in caplog.text and str(path) in caplog.text
        caplog.clear()


def test_index_written_twice_and_reset_index_are_dropped(tmp_path: Path) -> None:
    train, _ = _wine_split()
    twice = tmp_path / "twice.csv"
    train.to_csv(tmp_path / "once.csv")
    pd.read_csv(tmp_path / "once.csv").to_csv(twice)  # header ",Unnamed: 0,alcohol,..."
    reset = tmp_path / "reset.csv"
    train.reset_index().to_csv(reset, index=False)  # header "index,alcohol,..."
    for path in (twice, reset):
        _, _, names = read_labels_and_features(path, "label")
        assert names == list(train.columns[:-1]), path


def test_parquet_index_column_is_dropped(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    train, _ = _wine_split()
    path = tmp_path / "train.parquet"
    train.to_parquet(path)  # a non-range index is stored as the column __index_level_0__
    X, _, names = read_labels_and_features(path, "label")
    assert names == list(train.columns[:-1]) and X.shape[1] == train.shape[1] - 1


def test_a_first_column_that_is_a_feature_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    # an unnamed first column holding measurements, not unique row numbers
    path.write_text(",b,label\n0.5,1,0\n0.5,2,1\n1.5,3,0\n")
    _, _, names = read_labels_and_features(path, "label")
    assert names == ["", "b"]


def test_repeated_column_with_the_same_values_is_read_once(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "t.csv"
    path.write_text("a,b,a,label\n1,2,1,0\n3,4,3,1\n")
    with caplog.at_level(logging.WARNING, logger="gapdoctor"):
        X, _, names = read_labels_and_features(path, "label")
    assert names == ["a", "b"] and X.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert "repeats column(s) 'a'" in caplog.text


def test_repeated_column_with_different_values_names_it(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("a,label,a\n1,0,2\n3,1,4\n")
    with pytest.raises(GapdoctorInputError, match=r"two different columns named 'a' \(columns 1 and 3\)"):
        read_labels_and_features(path, "label")


def test_compressed_npz_and_probabilities_still_read(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(50, 4)), np.arange(50) % 3
    np.savez_compressed(tmp_path / "v.npz", X=X, label=y)
    got_X, got_y, _ = read_labels_and_features(tmp_path / "v.npz", "label")
    assert np.array_equal(got_X, X) and np.array_equal(got_y, y)
    probs = rng.dirichlet(np.ones(3), size=50)
    np.save(tmp_path / "p.npy", probs)
    pd.DataFrame(probs).to_csv(tmp_path / "p.csv")  # with pandas' index column
    assert np.array_equal(read_probabilities(tmp_path / "p.npy"), probs)
    assert np.allclose(read_probabilities(tmp_path / "p.csv"), probs)


def test_empty_path_is_refused_not_read_as_the_current_folder(tmp_path: Path) -> None:
    with pytest.raises(GapdoctorInputError, match="empty path"):
        read_labels_and_features("", "label")
    with pytest.raises(GapdoctorInputError, match="empty path"):
        read_probabilities(" ")
