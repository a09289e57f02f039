"""``pip install 'gapdoctor[integrations]'`` installs everything the integrations import.

Simulated without a network: the distributions that gapdoctor's core and ``[integrations]``
requirements pull in (their closure, resolved from this checkout's pyproject.toml and the
installed metadata) are linked into an empty folder, and the four adapters run end to end
in ``python -S`` with only that folder on the path — as on a clean install of the extra.
A module the integrations import from outside the extra fails the run with its name.
"""

from __future__ import annotations

import importlib.metadata as metadata
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")
requirements = pytest.importorskip("packaging.requirements")
pytest.importorskip("torch")
pytest.importorskip("lightning")
pytest.importorskip("transformers")
pytest.importorskip("keras")

ROOT = Path(__file__).resolve().parents[2]
EXTRA = "integrations"

SCRIPT = r"""
import os, sys
os.environ["KERAS_BACKEND"] = "torch"
import importlib.util
print("visible:", ",".join(m for m in ("pandas", "pyarrow", "tensorflow") if importlib.util.find_spec(m)))
import numpy as np
import gapdoctor

rng = np.random.default_rng(0)
X = rng.normal(size=(96, 8)).astype(np.float32)
y = (X[:, 0] > 0).astype(np.int64)

# plain PyTorch
import torch
monitor = gapdoctor.torch.Monitor(n_train=96, track_rows=16)
model = torch.nn.Linear(8, 2)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
monitor.optimizer = optimizer
for epoch in range(3):
    logits = model(torch.from_numpy(X))
    per_row = torch.nn.functional.cross_entropy(logits, torch.from_numpy(y), reduction="none")
    optimizer.zero_grad(); per_row.mean().backward(); optimizer.step()
    monitor.log_batch(per_row.mean(), labels=y, rows=np.arange(96), sample_losses=per_row, predictions=logits)
    monitor.end_epoch(val_loss=float(per_row.mean()))
assert monitor.finish() is not None and monitor.errors == [], monitor.errors

# Lightning
import lightning.pytorch as L
class Module(L.LightningModule):
    def __init__(self):
        super().__init__(); self.net = torch.nn.Linear(8, 2)
    def training_step(self, batch, batch_idx):
        loss = torch.nn.functional.cross_entropy(self.net(batch[0]), batch[1])
        self.log("train_loss", loss, on_epoch=True); return loss
    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)
pairs = torch.utils.data.TensorDataset(torch.from_numpy(X), torch.from_numpy(y))
data = torch.utils.data.DataLoader(pairs, batch_size=32)
callback = gapdoctor.integrations.lightning.GapdoctorCallback()
L.Trainer(max_epochs=3, accelerator="cpu", logger=False, callbacks=[callback], enable_progress_bar=False,
          enable_checkpointing=False, enable_model_summary=False).fit(Module(), data)
assert callback.diagnosis is not None and callback.recorder.errors == [], callback.recorder.errors

# HF Transformers
import transformers
from transformers.modeling_outputs import SequenceClassifierOutput
class Config(transformers.PretrainedConfig):
    model_type = "gapdoctor-extras"
class Model(transformers.PreTrainedModel):
    config_class = Config
    def __init__(self, config):
        super().__init__(config); self.net = torch.nn.Linear(8, 2); self.post_init()
    def _init_weights(self, module):
        pass
    def forward(self, features, labels=None, **kwargs):
        logits = self.net(features)
        return SequenceClassifierOutput(loss=torch.nn.functional.cross_entropy(logits, labels), logits=logits)
class Rows(torch.utils.data.Dataset):
    def __len__(self):
        return 96
    def __getitem__(self, i):
        return {"features": torch.from_numpy(X[i]), "labels": torch.tensor(y[i])}
callback = gapdoctor.integrations.transformers.GapdoctorCallback()
args = transformers.TrainingArguments(output_dir=sys.argv[1], num_train_epochs=3, eval_strategy="epoch",
    logging_strategy="epoch", save_strategy="no", report_to="none", use_cpu=True, disable_tqdm=True,
    dataloader_pin_memory=False)
transformers.Trainer(model=Model(Config()), args=args, train_dataset=Rows(), eval_dataset=Rows(),
    callbacks=[callback]).train()
assert callback.diagnosis is not None and callback.recorder.errors == [], callback.recorder.errors

# Keras 3
import keras
model = keras.Sequential([keras.Input(shape=(8,)), keras.layers.Dense(2)])
model.compile(optimizer="sgd", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
callback = gapdoctor.integrations.keras.GapdoctorCallback()
model.fit(X, y, validation_split=0.25, epochs=3, verbose=0, callbacks=[callback])
assert callback.diagnosis is not None and callback.recorder.errors == [], callback.recorder.errors
print("OK")
"""


def _name(text: str) -> str:
    return re.sub(r"[-_.]+", "-", text).lower()


def _closure(extra: str) -> list[metadata.Distribution]:
    """Installed distributions that ``gapdoctor[extra]`` needs: core + extra requirements, recursively."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras: dict[str, list[str]] = project["optional-dependencies"]
    pending: list[tuple[str, frozenset[str]]] = []

    def want(requirement_text: str) -> None:
        requirement = requirements.Requirement(requirement_text)
        if _name(requirement.name) == "gapdoctor":
            for own in requirement.extras:
                for text in extras[own]:
                    want(text)
        else:
            pending.append((requirement.name, frozenset(requirement.extras)))

    for text in [*project["dependencies"], *extras[extra]]:
        want(text)
    found: dict[str, metadata.Distribution] = {}
    while pending:
        name, wanted_extras = pending.pop()
        key = _name(name)
        if key in found and not wanted_extras:
            continue
        try:
            distribution = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            pytest.skip(f"{name} (needed by gapdoctor[{extra}]) is not installed here")
        found[key] = distribution
        for text in distribution.requires or []:
            requirement = requirements.Requirement(text)
            environment = [{"extra": e} for e in (wanted_extras or {""})]
            if requirement.marker is None or any(requirement.marker.evaluate(env) for env in environment):
                pending.append((requirement.name, frozenset(requirement.extras)))
    return list(found.values())


def _clean_install(distributions: list[metadata.Distribution], into: Path) -> None:
    """Link each distribution's top-level modules and metadata into ``into`` (a site-packages)."""
    for distribution in distributions:
        base = Path(str(distribution.locate_file("")))
        tops = {Path(str(f)).parts[0] for f in distribution.files or [] if not str(f).startswith("..")}
        for top in tops - {"__pycache__"}:
            target = into / top
            if (base / top).exists() and not target.exists():
                target.symlink_to(base / top)


def test_the_integrations_extra_installs_what_the_integrations_import(tmp_path: Path) -> None:
    site = tmp_path / "site-packages"
    site.mkdir()
    closure = _closure(EXTRA)
    _clean_install(closure, site)
    names = {_name(d.metadata["Name"]) for d in closure}
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(site), str(ROOT / "src")]),
        "PYTHONWARNINGS": "ignore",
        "OMP_NUM_THREADS": "1",
        "KERAS_BACKEND": "torch",
    }
    done = subprocess.run(
        [sys.executable, "-S", "-c", SCRIPT, str(tmp_path / "hf")],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert done.returncode == 0 and done.stdout.strip().endswith("OK"), done.stderr[-3000:]
    # the simulation is faithful: what the extra does not pull in is not importable there
    line = next(line for line in done.stdout.splitlines() if line.startswith("visible:"))
    visible = set(line.split(":", 1)[1].strip().split(","))
    for module in ("pandas", "pyarrow"):
        assert (module in visible) == (module in names), (module, visible)
