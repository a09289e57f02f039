"""A folder of Parquet files opened as Dask collections (gapdoctor.io.parquet_dataset)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

dask = pytest.importorskip("dask")
pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

from gapdoctor.errors import GapdoctorInputError  # noqa: E402
from gapdoctor.inputs.dask_inputs import is_dask_collection  # noqa: E402
from gapdoctor.io.parquet_dataset import is_parquet_dataset, read_parquet_dataset  # noqa: E402


def _dataset(folder: Path, files: int = 3, rows: int = 50) -> Path:
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(files):
        p = rng.dirichlet(np.ones(2), rows)
        columns = {"a": rng.normal(size=rows), "b": rng.normal(size=rows), "label": rng.integers(0, 2, rows)}
        columns |= {"src": np.array(["human", "pseudo"])[rng.integers(0, 2, rows)], "p_0": p[:, 0], "p_1": p[:, 1]}
        pq.write_table(pa.table(columns), folder / f"part-{i}.parquet")
    return folder


@pytest.mark.filterwarnings("ignore:The inplace keyword")  # dask's Parquet reader under pandas 3.1, not ours
def test_columns_are_split_into_features_labels_extra_and_probabilities(tmp_path: Path) -> None:
    folder = _dataset(tmp_path / "train")
    assert is_parquet_dataset(folder) and not is_parquet_dataset(folder / "part-0.parquet")
    split = read_parquet_dataset(folder, "label", "src", "p_")
    assert all(is_dask_collection(v) for v in (split.X, split.y, split.extra, split.probs))
    assert list(split.X.columns) == ["a", "b"] and list(split.probs.columns) == ["p_0", "p_1"]
    with dask.config.set(scheduler="synchronous"):
        assert len(split.y.compute()) == 150
    plain = read_parquet_dataset(folder, "label", None, None)
    assert list(plain.X.columns) == ["a", "b", "src", "p_0", "p_1"] and plain.probs is None


@pytest.mark.parametrize(
    ("label", "prefix", "message"),
    [("y", None, "has no column 'y'"), ("label", "q_", "has no column starting with 'q_'")],
)
def test_a_missing_column_is_bad_input_naming_the_folder(tmp_path: Path, label: str, prefix: str, message: str) -> None:
    folder = _dataset(tmp_path / "train")
    with pytest.raises(GapdoctorInputError, match=message):
        read_parquet_dataset(folder, label, None, prefix)


def test_a_folder_without_parquet_files_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(GapdoctorInputError, match=r"is a directory with no \.parquet file"):
        read_parquet_dataset(tmp_path, "label", None, None)
