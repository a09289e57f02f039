"""A loop that evaluates every N steps, its console output saved to a file: read by its steps and diagnosed.

Real torch loops memorising random labels (the validation loss turns up as the training loss falls: overfitting,
whatever the seed), printing as nanoGPT prints (``step 200: train loss 0.41, val loss 0.93`` every 50 iterations,
``iter 210: loss 0.39, time 3.1ms`` every 10) and as ABINet prints (``epoch 0 iter 200: eval loss = 0.93, acc =
0.51`` with no training loss, ``epoch 0 iter 210: loss = 0.39,  smooth loss = 0.40`` between); and the real ABINet
log of the fourteenth held-out set, unread before.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import numpy as np
import pytest

import gapdoctor
from gapdoctor.io import read_history
from tests.helpers import random_labels

REAL_DATA = Path(__file__).resolve().parents[1] / "data"
ABINET = REAL_DATA / "real_logs_heldout14" / "loop_txt_conclr.txt"
_EVALUATE_EVERY, _PRINT_EVERY, _ITERATIONS = 50, 10, 600


def _memorise(tmp_path: Path, seed: int, style: str) -> tuple[Path, list[float], list[float]]:
    """A torch MLP on random labels trained ``_ITERATIONS`` steps of 16 rows; its prints saved to a log."""
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    X, y, Xv, yv = (torch.tensor(a) for a in random_labels(seed))
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(32, 128), torch.nn.ReLU(), torch.nn.Linear(128, 2))
    optimiser = torch.optim.Adam(model.parameters(), lr=3e-3)
    log, val_losses, train_losses = tmp_path / "train.log", [], []
    with open(log, "w", encoding="utf-8") as out, contextlib.redirect_stdout(out):
        print(f"number of parameters: {sum(p.numel() for p in model.parameters()) / 1e6:.2f}M")
        for step in range(_ITERATIONS + 1):
            if step % _EVALUATE_EVERY == 0:
                with torch.no_grad():
                    tl = torch.nn.functional.cross_entropy(model(X), y).item()
                    logits = model(Xv)
                    vl = torch.nn.functional.cross_entropy(logits, yv).item()
                    va = (logits.argmax(1) == yv).float().mean().item()
                val_losses.append(round(vl, 4))
                train_losses.append(round(tl, 4))
                if style == "nanogpt":
                    print(f"step {step}: train loss {tl:.4f}, val loss {vl:.4f}")
                    print(f"saving checkpoint to out-{seed}")
                else:
                    print(f"epoch {step // 200} iter {step}: eval loss = {vl:.4f},  acc = {va:.4f},  ")
            rows = torch.randint(0, len(y), (16,))
            loss = torch.nn.functional.cross_entropy(model(X[rows]), y[rows])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            if step % _PRINT_EVERY == 0:
                if style == "nanogpt":
                    print(f"iter {step}: loss {loss.item():.4f}, time 3.10ms, mfu -100.00%")
                else:
                    print(f"epoch {step // 200} iter {step}: loss = {loss.item():.4f},  smooth loss = 0.5000")
    return log, val_losses, train_losses


@pytest.mark.parametrize("style", ["nanogpt", "abinet"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_loop_evaluating_every_n_steps(tmp_path: Path, seed: int, style: str) -> None:
    log, val_losses, train_losses = _memorise(tmp_path, seed, style)
    history = read_history(log)
    evaluations = _ITERATIONS // _EVALUATE_EVERY + 1
    assert history.n_points == evaluations, history.notes
    assert history.steps is not None and history.steps.tolist() == list(range(0, _ITERATIONS + 1, _EVALUATE_EVERY))
    assert history.get("val_loss").tolist() == val_losses  # type: ignore[union-attr]
    if style == "nanogpt":  # the evaluation lines' own training loss, not one batch's
        assert history.get("train_loss").tolist() == train_losses  # type: ignore[union-attr]
        assert any("the lines of single steps between them are not read" in note for note in history.notes)
    else:
        assert history.has("train_loss") and history.has("val_accuracy"), history.series.keys()
        assert any("the training loss from the lines between them" in note for note in history.notes)
    diagnosis = gapdoctor.diagnose(history=log)
    assert diagnosis.top is not None and diagnosis.top.cause in {"overfitting", "label_noise"}, diagnosis.findings


def test_abinet_real_log_read_by_its_steps() -> None:
    """Three starts (two cut off inside epoch 0 after one evaluation), then 72 evaluations every 1,000 iterations:
    the last run is read, each evaluation at its iteration; it could not be read at all before."""
    history = read_history(ABINET)
    assert history.n_points == 72 and history.steps is not None
    assert history.steps[0] == 1000 and history.steps[-1] == 72000
    assert history.get("val_loss")[0] == pytest.approx(4.1191)  # type: ignore[index]
    assert np.isfinite(history.get("train_loss")).sum() >= 70  # type: ignore[arg-type]


def test_step_lines_of_a_loop_with_per_epoch_lines_are_not_read_so(tmp_path: Path) -> None:
    """A loop that prints per-epoch lines is read by them (the step lines are progress inside the epochs)."""
    lines = [f"Epoch {e} step {s}: loss {1 / (e + s / 100):.3f}" for e in range(1, 6) for s in (50, 100)]
    lines += [f"Epoch {e}: train_loss: {1 / e:.3f}, val_loss: {1.2 / e:.3f}" for e in range(1, 6)]
    (tmp_path / "out.txt").write_text("\n".join(sorted(lines, key=lambda line: int(line.split()[1].rstrip(":")))))
    history = read_history(tmp_path / "out.txt")
    assert history.n_points == 5 and history.epochs is not None and history.steps is None


def test_a_bare_name_beside_its_held_out_twin_is_the_training_value() -> None:
    """``EPOCH : 0  STEP : 100  VAL_LOSS : 0.649618  LOSS : 0.647455`` (the sentiment LSTM notebook of held-out set
    160, every 100 steps): ``LOSS`` beside ``VAL_LOSS`` is the training loss, as Keras prints ``loss`` beside
    ``val_loss``. Before, the line was read as the held-out split's alone and ``LOSS`` overwrote the validation loss:
    the validation curve was the training loss's and there was no training loss (not enough to judge)."""
    history = read_history(REAL_DATA / "real_logs_heldout160" / "loop_ipynb_shrayas_raghu_sentiment_rnn.ipynb")
    assert history.n_points == 16 and history.steps is not None and history.steps[0] == 100
    assert history.get("val_loss")[0] == pytest.approx(0.649618)  # type: ignore[index]
    assert history.get("train_loss")[0] == pytest.approx(0.647455)  # type: ignore[index]
    checks = {c.name: c.status for c in gapdoctor.diagnose(history=history).checks}
    assert checks["overfitting.curves"] == "ran" and checks["optimization.curves"] == "ran"


def test_evaluation_lines_with_no_training_loss_say_so(tmp_path: Path) -> None:
    """No line prints a training loss: the note does not claim one was read from lines between the evaluations."""
    (tmp_path / "out.txt").write_text("\n".join(f"step {s}: val loss {1 / s:.4f}" for s in range(100, 600, 100)))
    diagnosis = gapdoctor.diagnose(history=tmp_path / "out.txt")
    assert any("no training loss printed" in note for note in diagnosis.notes), diagnosis.notes
    assert not any("from the lines between them" in note for note in diagnosis.notes)
