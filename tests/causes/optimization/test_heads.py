"""One output of a multi-output model that never learnt, while the others did, is read from its own loss.

Before, a three-output Keras model whose outputs 'id' and 'hgr' sat at ln 10 and ln 11 at all 14 epochs
(accuracies 0.09-0.10) while the third output learnt was read healthy: the total loss fell 11% and the
per-output losses were dropped as names gapdoctor does not read. Found on the thirty-fifth held-out set
(``tests/data/real_logs_heldout35/wandb_dgbqa.wandb``), collected blind.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import gapdoctor
from tests.integrations.conftest import LIGHTNING_WARNINGS, digits_split, quiet_trainer
from tests.seeds import each_seed

DATA = Path(__file__).resolve().parents[2] / "data"
CHECK = "optimization.output_at_chance"


def _at_chance(diagnosis: gapdoctor.Diagnosis) -> list[gapdoctor.Finding]:
    return [f for f in diagnosis.findings if f.check == CHECK]


def test_the_real_multi_output_run_headlines_the_output_that_never_learnt() -> None:
    diagnosis = gapdoctor.diagnose(history=DATA / "real_logs_heldout35" / "wandb_dgbqa.wandb")
    assert diagnosis.top is not None and not diagnosis.top.weak
    assert diagnosis.top.check == CHECK
    assert "Output 'id' never learnt" in diagnosis.top.summary and "ln 10" in diagnosis.top.summary
    assert diagnosis.top.evidence["learnt"] == "icgd"


@pytest.mark.parametrize(
    "name",
    [
        "real_logs_heldout26/pl_fathomnet_v0.csv",  # four taxonomy heads, all learning
        "real_logs_heldout2/keras_solar_optimization_multi_output.csv",  # two regression heads
        "real_logs_heldout3/keras_capsnet_cancer.csv",  # a capsule head and a reconstruction head
        "real_logs_heldout17/keras_history_fashion_classifier.json",
        "real_logs_heldout2/keras_multimodal_deepfake.csv",
    ],
)
def test_real_multi_output_runs_whose_outputs_learn_are_not_read_so(name: str) -> None:
    assert not _at_chance(gapdoctor.diagnose(history=DATA / name))


torch = pytest.importorskip("torch")
L = pytest.importorskip("lightning.pytorch")
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402
from torch.utils.data import DataLoader, TensorDataset  # noqa: E402


class TwoOutputs(L.LightningModule):
    """Digits: one output for the digit (10 classes), one for whether it is 5 or more (2 classes).

    ``frozen_size``: the second output's layer starts at zero and is frozen (``requires_grad=False``), as when a
    branch is frozen by mistake: its logits are 0 for every row, its loss ln 2 at every step.
    """

    def __init__(self, frozen_size: bool) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Linear(64, 64), nn.ReLU())
        self.digit = nn.Linear(64, 10)
        self.size = nn.Linear(64, 2)
        if frozen_size:
            nn.init.zeros_(self.size.weight)
            nn.init.zeros_(self.size.bias)
            self.size.requires_grad_(False)

    def _losses(self, batch: Any, split: str) -> Any:
        X, y = batch
        h = self.body(X)
        digit = F.cross_entropy(self.digit(h), y)
        size = F.cross_entropy(self.size(h), (y >= 5).long())
        self.log(f"{split}_digit_loss", digit, on_step=False, on_epoch=True)
        self.log(f"{split}_size_loss", size, on_step=False, on_epoch=True)
        self.log(f"{split}_loss", digit + size, on_step=False, on_epoch=True)
        return digit + size

    def training_step(self, batch: Any, batch_idx: int) -> Any:
        return self._losses(batch, "train")

    def validation_step(self, batch: Any, batch_idx: int) -> None:
        self._losses(batch, "val")

    def configure_optimizers(self) -> Any:
        return torch.optim.Adam([p for p in self.parameters() if p.requires_grad], lr=3e-3)


def _run(tmp_path: Path, *, frozen_size: bool, seed: int) -> Path:
    torch.manual_seed(seed)
    split = digits_split(800, seed=seed)
    tensors = [torch.from_numpy(a) for a in (split.X_train, split.y_train, split.X_val, split.y_val)]
    train = DataLoader(TensorDataset(tensors[0], tensors[1]), batch_size=64, shuffle=True)
    val = DataLoader(TensorDataset(tensors[2], tensors[3]), batch_size=256)
    logger = L.loggers.CSVLogger(tmp_path, name="run", version=0)
    quiet_trainer(max_epochs=12, logger=logger).fit(TwoOutputs(frozen_size), train, val)
    return Path(logger.log_dir) / "metrics.csv"


@LIGHTNING_WARNINGS[0]
@LIGHTNING_WARNINGS[1]
@LIGHTNING_WARNINGS[2]
@LIGHTNING_WARNINGS[3]
@each_seed
def test_a_real_lightning_run_with_a_frozen_output_headlines_it(tmp_path: Path, seed: int) -> None:
    diagnosis = gapdoctor.diagnose(history=_run(tmp_path, frozen_size=True, seed=seed))
    assert diagnosis.top is not None and diagnosis.top.check == CHECK and not diagnosis.top.weak
    assert "Output 'size' never learnt" in diagnosis.top.summary and "ln 2" in diagnosis.top.summary
    assert diagnosis.top.evidence["learnt"] == "digit"


@LIGHTNING_WARNINGS[0]
@LIGHTNING_WARNINGS[1]
@LIGHTNING_WARNINGS[2]
@LIGHTNING_WARNINGS[3]
@each_seed
def test_the_same_run_with_both_outputs_learning_is_not_read_so(tmp_path: Path, seed: int) -> None:
    path = _run(tmp_path, frozen_size=False, seed=seed)
    history = gapdoctor.io.read_history(path)
    assert sorted(history.heads) == ["digit", "size"]  # the outputs were read, and judged
    assert float(np.min(history.heads["size"][0])) < 0.5  # the size output learnt
    assert not _at_chance(gapdoctor.diagnose(history=path))


@LIGHTNING_WARNINGS[0]
@LIGHTNING_WARNINGS[1]
@LIGHTNING_WARNINGS[2]
@LIGHTNING_WARNINGS[3]
@each_seed
def test_the_lightning_callback_names_the_frozen_output_too(seed: int) -> None:
    from gapdoctor.integrations.lightning import GapdoctorCallback

    torch.manual_seed(seed)
    split = digits_split(800, seed=seed)
    tensors = [torch.from_numpy(a) for a in (split.X_train, split.y_train, split.X_val, split.y_val)]
    train = DataLoader(TensorDataset(tensors[0], tensors[1]), batch_size=64, shuffle=True)
    val = DataLoader(TensorDataset(tensors[2], tensors[3]), batch_size=256)
    callback = GapdoctorCallback()
    quiet_trainer(max_epochs=12, callbacks=[callback]).fit(TwoOutputs(frozen_size=True), train, val)
    assert callback.recorder.errors == []
    top = callback.diagnosis.top
    assert top is not None and top.check == CHECK and not top.weak and "Output 'size' never learnt" in top.summary
