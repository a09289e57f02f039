"""HF Transformers recipes, recorded with ``gapdoctor.integrations.transformers.GapdoctorCallback``.

The data are sequences of 65 tokens: a [CLS] token, then each 8x8 digits pixel value (0-16) as a token.
The model is a plain ``torch.nn.Module`` that takes ``input_ids``/``attention_mask``/``labels`` and returns
``SequenceClassifierOutput(loss, logits)`` like any ``*ForSequenceClassification``: a bag of
(position, token) embeddings and an MLP head. (A tiny ``BertForSequenceClassification`` built from a
config was tried first, in the symptom-only runs before any diagnosis: it reached 0.3-0.45 validation
accuracy after 10 epochs at ~1 s an epoch, too slow and too weak for the yardstick's time budget.)

What the user hands gapdoctor (README, "Inside your training loop", HF Transformers):
``Trainer(..., compute_metrics=doctor.compute_metrics(my_accuracy), callbacks=[doctor])``,
``TrainingArguments(eval_strategy="epoch", logging_strategy="epoch", ...)`` (what anyone sets to get
a per-epoch curve), a map-style torch ``Dataset`` of ``{"input_ids", "attention_mask", "labels"}``;
``doctor.diagnosis`` is read after ``trainer.train()``.
"""

from __future__ import annotations

import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset

from .common import Run, curve_facts, digits, flip_facts, flip_labels, overfit_facts, r, recipe, split

FW = "transformers"
ROOT = str(Path(tempfile.gettempdir()) / "gapdoctor_outside_loops" / "hf")


class Tokens(Dataset):  # type: ignore[type-arg]
    """Digits pixels as tokens: [CLS]=0, pixel value v -> v + 2."""

    def __init__(self, X: np.ndarray, y: np.ndarray) -> None:
        ids = np.hstack([np.zeros((len(X), 1)), np.asarray(X) + 2]).astype(np.int64)
        self.ids = torch.tensor(ids)
        self.labels = torch.tensor(np.asarray(y), dtype=torch.long)

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        return {"input_ids": self.ids[i], "attention_mask": torch.ones_like(self.ids[i]), "labels": self.labels[i]}


class TokenBagClassifier(torch.nn.Module):
    """(position, token) embeddings summed, then an MLP: a sequence classifier with the HF output type."""

    def __init__(self, hidden: int, layers: int, n_classes: int = 10, seq: int = 65, vocab: int = 20) -> None:
        super().__init__()
        self.vocab = vocab
        self.embed = torch.nn.EmbeddingBag(seq * vocab, hidden, mode="sum")
        body: list[torch.nn.Module] = []
        for _ in range(layers - 1):
            body += [torch.nn.ReLU(), torch.nn.Linear(hidden, hidden)]
        self.head = torch.nn.Sequential(*body, torch.nn.ReLU(), torch.nn.Linear(hidden, n_classes))

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None, labels: torch.Tensor | None = None
    ) -> Any:
        from transformers.modeling_outputs import SequenceClassifierOutput

        positions = torch.arange(input_ids.shape[1], device=input_ids.device) * self.vocab
        logits = self.head(self.embed(input_ids + positions) / 8.0)
        loss = None if labels is None else torch.nn.functional.cross_entropy(logits, labels)
        return SequenceClassifierOutput(loss=loss, logits=logits)


def accuracy(prediction: Any) -> dict[str, float]:
    logits = prediction.predictions[0] if isinstance(prediction.predictions, tuple) else prediction.predictions
    return {"accuracy": float((np.asarray(logits).argmax(1) == prediction.label_ids).mean())}


def fit(
    X_tr: np.ndarray,
    y_tr: np.ndarray,
    X_va: np.ndarray,
    y_va: np.ndarray,
    seed: int,
    diagnose: bool,
    *,
    epochs: int = 20,
    lr: float = 1e-3,
    hidden: int = 32,
    layers: int = 1,
    batch: int = 32,
    weight_decay: float = 0.0,
    scheduler: Callable[[torch.optim.Optimizer, int], Any] | None = None,
) -> tuple[Run, Callable[[np.ndarray], np.ndarray]]:
    from transformers import Trainer, TrainingArguments
    from transformers.trainer_callback import PrinterCallback

    torch.manual_seed(seed)
    model = TokenBagClassifier(hidden, layers)
    args = TrainingArguments(
        output_dir=ROOT,
        num_train_epochs=epochs,
        per_device_train_batch_size=batch,
        per_device_eval_batch_size=512,
        learning_rate=lr,
        weight_decay=weight_decay,
        eval_strategy="epoch",
        logging_strategy="epoch",
        save_strategy="no",
        report_to="none",
        seed=seed,
        use_cpu=True,
        disable_tqdm=True,
        dataloader_num_workers=0,
    )
    train_ds, eval_ds = Tokens(X_tr, y_tr), Tokens(X_va, y_va)
    optimizers: Any = (None, None)
    if scheduler is not None:
        opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
        optimizers = (opt, scheduler(opt, int(np.ceil(len(y_tr) / batch))))
    doctor = None
    passed: dict[str, Any] = {}
    callbacks: list[Any] = []
    compute_metrics: Any = accuracy
    if diagnose:
        import gapdoctor

        doctor = gapdoctor.integrations.transformers.GapdoctorCallback()
        callbacks.append(doctor)
        compute_metrics = doctor.compute_metrics(accuracy)
        passed = {
            "integration": "gapdoctor.integrations.transformers.GapdoctorCallback()",
            "trainer": "Trainer(model, args, train_dataset, eval_dataset, "
            "compute_metrics=doctor.compute_metrics(accuracy), callbacks=[doctor]"
            + (", optimizers=(AdamW, LambdaLR))" if scheduler is not None else ")"),
            "args": "eval_strategy='epoch', logging_strategy='epoch', save_strategy='no'",
            "diagnose": "doctor.diagnosis after trainer.train()",
        }
    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=train_ds,
        eval_dataset=eval_ds,
        compute_metrics=compute_metrics,
        callbacks=callbacks,
        optimizers=optimizers,
    )
    trainer.remove_callback(PrinterCallback)  # no log dict printed per epoch
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        trainer.train()
    fit_seconds = time.perf_counter() - t0
    hist: dict[str, list[float]] = {"train_loss": [], "val_loss": [], "val_accuracy": [], "lr": []}
    for entry in trainer.state.log_history:
        if "loss" in entry and "train_runtime" not in entry:
            hist["train_loss"].append(float(entry["loss"]))
            hist["lr"].append(float(entry.get("learning_rate", np.nan)))
        if "eval_loss" in entry:
            hist["val_loss"].append(float(entry["eval_loss"]))
            hist["val_accuracy"].append(float(entry["eval_accuracy"]))
    run = Run(metric="accuracy", history=hist, passed=passed, fit_seconds=fit_seconds)
    if doctor is not None:
        run.diagnosis = doctor.diagnosis
        run.extra["gapdoctor_curves"] = sorted(doctor.recorder.curves)
        run.extra["gapdoctor_errors"] = [str(e) for e in doctor.recorder.errors]

    def proba(X: np.ndarray) -> np.ndarray:
        model.eval()
        ds = Tokens(X, np.zeros(len(X)))
        with torch.no_grad():
            logits = model(input_ids=ds.ids).logits
        return torch.softmax(logits, 1).numpy().astype(np.float64)

    return run, proba


# --------------------------------------------------------------------------------------------
# Recipes
# --------------------------------------------------------------------------------------------


@recipe("hf_overfit_150_rows_60_epochs", FW, "overfitting")
def overfit(seed: int, diagnose: bool) -> Run:
    """Two 128-wide layers on 150 digits rows for 60 epochs (default linear decay)."""
    X, y = digits()
    X_tr, X_va, y_tr, y_va = split(X, y, 500, seed, n_train=150)
    run, proba = fit(X_tr, y_tr, X_va, y_va, seed, diagnose, epochs=60, hidden=128, layers=2, lr=3e-3, batch=16)
    run.sanity = overfit_facts(run.history, y_tr, proba(X_tr))
    return run


@recipe("hf_label_noise_symmetric_30", FW, "label_noise")
def label_noise(seed: int, diagnose: bool) -> Run:
    """30% of 1,000 training labels moved to a random other digit; 30 epochs."""
    X, y = digits()
    X_tr, X_va, y_tr, y_va = split(X, y, 500, seed, n_train=1000)
    y_noisy, flipped = flip_labels(y_tr, 0.30, 10, seed)
    run, proba = fit(X_tr, y_noisy, X_va, y_va, seed, diagnose, epochs=30, hidden=128, layers=2, lr=3e-3)
    p = proba(X_tr)
    run.sanity = flip_facts(run.history, flipped, y_noisy, p)
    return run


@recipe("hf_healthy_short_weight_decay", FW, "healthy")
def healthy(seed: int, diagnose: bool) -> Run:
    """1,200 clean rows, 12 epochs at lr 3e-3 with weight decay 0.01 and the default linear decay."""
    X, y = digits()
    X_tr, X_va, y_tr, y_va = split(X, y, 500, seed, n_train=1200)
    run, _ = fit(X_tr, y_tr, X_va, y_va, seed, diagnose, epochs=12, hidden=64, lr=3e-3, weight_decay=0.01)
    run.sanity = curve_facts(run.history, "accuracy")
    return run


NAMES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


@recipe("hf_pipeline_val_labels_other_order", FW, "pipeline_bug")
def label_order(seed: int, diagnose: bool) -> Run:
    """Class names encoded alphabetically for training, in digit order for validation (two encoders)."""
    X, y = digits()
    X_tr, X_va, y_tr, y_va = split(X, y, 500, seed, n_train=1000)
    alphabetical = {name: k for k, name in enumerate(sorted(NAMES))}
    y_tr_enc = np.array([alphabetical[NAMES[k]] for k in y_tr])  # training: LabelEncoder order
    y_va_enc = y_va.copy()  # validation: the name's position in the list, i.e. the digit
    run, proba = fit(X_tr, y_tr_enc, X_va, y_va_enc, seed, diagnose, epochs=20, hidden=64, lr=3e-3)
    p = proba(X_va).argmax(1)
    fixed = np.array([alphabetical[NAMES[k]] for k in y_va])
    run.sanity = {
        **curve_facts(run.history, "accuracy"),
        "classes_at_same_id": int(sum(alphabetical[n] == k for k, n in enumerate(NAMES))),
        "val_acc_with_one_encoder": r((p == fixed).mean()),
    }
    return run


def cut_after(epochs: int, factor: float) -> Callable[[torch.optim.Optimizer, int], Any]:
    def make(opt: torch.optim.Optimizer, steps_per_epoch: int) -> Any:
        return torch.optim.lr_scheduler.LambdaLR(opt, lambda step: 1.0 if step < epochs * steps_per_epoch else factor)

    return make


@recipe("hf_lr_cut_1000x_after_epoch_2", FW, "optimization")
def early_cut(seed: int, diagnose: bool) -> Run:
    """A step schedule whose 1000x cut comes after epoch 2 of 24 (meant: after epoch 20)."""
    X, y = digits()
    X_tr, X_va, y_tr, y_va = split(X, y, 500, seed, n_train=1000)
    run, _ = fit(X_tr, y_tr, X_va, y_va, seed, diagnose, epochs=24, hidden=64, lr=3e-3, scheduler=cut_after(2, 0.001))
    meant, _ = fit(X_tr, y_tr, X_va, y_va, seed, False, epochs=24, hidden=64, lr=3e-3, scheduler=cut_after(20, 0.001))
    run.sanity = {
        **curve_facts(run.history, "accuracy"),
        "val_acc_cut_at_20_final": r(meant.history["val_accuracy"][-1]),
        "lr_first_last": [run.history["lr"][0], run.history["lr"][-1]],
    }
    return run
