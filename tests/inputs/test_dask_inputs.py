"""Dask collections at the door (gapdoctor.inputs.dask_inputs)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import gapdoctor
from gapdoctor.inputs.dask_inputs import dask_arguments, frame_partitions, is_dask_collection, split_partitions

dask = pytest.importorskip("dask")
da = pytest.importorskip("dask.array")
dd = pytest.importorskip("dask.dataframe")
pd = pytest.importorskip("pandas")


def test_dask_collections_are_told_apart_from_numpy_pandas_and_lists() -> None:
    frame = pd.DataFrame({"a": [1, 2]})
    assert is_dask_collection(da.zeros(3)) and is_dask_collection(dd.from_pandas(frame, npartitions=1))
    assert not any(is_dask_collection(v) for v in (np.zeros(3), frame, [1, 2], None, "x"))
    assert dask_arguments({"X_train": da.zeros((3, 2)), "y_train": np.zeros(3)}) == ("X_train",)


def test_recognising_collections_imports_no_dask() -> None:
    code = (
        "import sys\nfrom gapdoctor.inputs.dask_inputs import dask_arguments\n"
        "dask_arguments({'X_train': [[1.0]]})\nprint('dask' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_arrays_are_rechunked_to_the_first_arrays_partitions() -> None:
    X = da.from_array(np.arange(20.0).reshape(10, 2), chunks=(4, 1))
    y = da.from_array(np.arange(10), chunks=3)
    parts = split_partitions("train", {"X_train": X, "y_train": y})
    assert parts is not None and parts.n_partitions == 3
    blocks = dask.compute(*parts.blocks["y_train"])
    assert [len(b) for b in blocks] == [4, 4, 2]
    assert dask.compute(*parts.blocks["X_train"])[2].tolist() == [[16.0, 17.0], [18.0, 19.0]]  # all columns


@pytest.mark.filterwarnings("ignore:The inplace keyword")  # dask's Parquet reader under pandas 3.1, not ours
def test_narrow_projections_of_one_frame_keep_its_partitions(tmp_path: object) -> None:
    frame = pd.DataFrame({f"x{j}": np.arange(30.0) for j in range(20)} | {"label": np.arange(30) % 2})
    path = f"{tmp_path}/data"
    dd.from_pandas(frame, npartitions=5).to_parquet(path)
    read = dd.read_parquet(path)
    assert len(frame_partitions(read["label"])) == len(frame_partitions(read[[f"x{j}" for j in range(20)]])) == 5
    with dask.config.set(scheduler="synchronous"):
        labels = np.concatenate(dask.compute(*frame_partitions(read["label"])))
    np.testing.assert_array_equal(labels, frame["label"].to_numpy())


def test_a_numpy_argument_beside_dask_ones_must_have_their_row_count() -> None:
    with pytest.raises(gapdoctor.GapdoctorInputError, match="groups_train: has 9 rows"):
        split_partitions("train", {"y_train": da.zeros(10, chunks=5), "groups_train": np.zeros(9)})


def test_a_split_without_dask_arguments_is_not_partitioned() -> None:
    assert split_partitions("val", {"y_val": np.zeros(3), "X_train": da.zeros((3, 1))}) is None


def test_a_three_dimensional_dask_array_is_bad_input() -> None:
    with pytest.raises(gapdoctor.GapdoctorInputError, match="X_train: is a Dask array of 3 dimensions"):
        split_partitions("train", {"X_train": da.zeros((4, 2, 2))})
