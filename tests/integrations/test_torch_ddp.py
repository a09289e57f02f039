"""gapdoctor.torch.Monitor under real DistributedDataParallel: 2 processes, gloo on CPU."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import gapdoctor  # noqa: E402


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_ddp_reduces_across_ranks_and_only_rank_zero_reports(tmp_path: Path) -> None:
    worker = Path(__file__).with_name("_ddp_worker.py")
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=str(Path(gapdoctor.__file__).parent.parent))
    done = subprocess.run(
        [sys.executable, str(worker), str(_free_port()), str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    ranks = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in (0, 1)]
    loss_sum = np.add(ranks[0]["local"]["loss_sum"], ranks[1]["local"]["loss_sum"])
    batches = np.add(ranks[0]["local"]["batches"], ranks[1]["local"]["batches"])
    val_mean = np.mean([ranks[0]["local"]["val_accuracy"], ranks[1]["local"]["val_accuracy"]], axis=0)
    for rank in ranks:  # every rank holds the reduced curves
        np.testing.assert_allclose(rank["curves"]["train_loss"], loss_sum / batches, rtol=1e-6)
        np.testing.assert_allclose(rank["curves"]["val_accuracy"], val_mean, rtol=1e-9)
        assert rank["errors"] == []
        assert rank["tracked_finite"], "each tracked row is seen by one rank; the sum fills every column"
    assert ranks[0]["local"]["loss_sum"] != ranks[1]["local"]["loss_sum"]  # the ranks really saw different rows
    assert ranks[0]["sink_calls"] == [1, 2, 3] and ranks[0]["diagnosed"]
    assert ranks[1]["sink_calls"] == [] and not ranks[1]["diagnosed"]


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        pytest.param("rank1_rows_out_of_range", "rows", id="tracking_off_on_rank_1"),
        pytest.param("rank1_recorder_fails", "injected on rank 1", id="recording_stopped_on_rank_1"),
    ],
)
def test_a_failure_on_one_rank_never_hangs_the_others(tmp_path: Path, fault: str, error: str) -> None:
    """At epoch 2 rank 1 alone fails inside gapdoctor: both ranks still finish, in step."""
    worker = Path(__file__).with_name("_ddp_worker.py")
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=str(Path(gapdoctor.__file__).parent.parent))
    done = subprocess.run(
        [sys.executable, str(worker), str(_free_port()), str(tmp_path), fault],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,  # a collective left unmatched would hang here
    )
    assert done.returncode == 0, done.stderr[-3000:]
    ranks = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in (0, 1)]
    assert ranks[0]["errors"] == [] and len(ranks[1]["errors"]) == 1 and error in ranks[1]["errors"][0]
    assert len(ranks[0]["curves"]["train_loss"]) == 3 and np.isfinite(ranks[0]["curves"]["train_loss"]).all()
    assert ranks[0]["sink_calls"] == [1, 2, 3] and ranks[0]["diagnosed"]
    if fault == "rank1_rows_out_of_range":
        assert ranks[0]["curves"] == ranks[1]["curves"]
