"""Ordinary, healthy training runs diagnosed as a new user would: does any of them raise an alarm?

Every run is healthy by construction: bundled scikit-learn sets (iris, wine, breast cancer,
digits) and ``make_classification`` tasks (binary / multiclass, easy / hard, balanced), a random
stratified split (validation 25-30%; >= 150 rows except iris and wine, which are too small),
features standardised on the training rows, no flipped labels beyond ``make_classification``'s
default 1%, no leakage. Models: a logistic regression and small MLPs trained epoch by epoch
(:func:`gapdoctor.bench.training.train_by_epoch`, Adam or SGD with momentum, sensible learning
rates, with and without L2), and a small torch MLP trained with a plain loop (its ``train_loss`` is
the mean of the epoch's batch losses, as a loop logs it), with and without weight decay, a constant
or cosine-decayed rate, fixed length or early stopping (patience 10 on the validation loss, last
weights kept). Three seeds each. ``--metric f1`` / ``roc_auc`` logs and diagnoses that metric on
the binary sets.

Each run is diagnosed with ``gapdoctor.diagnose(history=..., X_train, y_train, X_val, y_val,
val_probs=...)`` and every finding scored >= 0.4 is recorded (>= 0.5 is reported: an alarm).

Run: ``python benchmarks/healthy_sweep.py [--out F.jsonl] [--only SUBSTRING] [--seeds 3] [--metric M] [--train-probs]``
(threads pinned to one; about 5 minutes on one core for accuracy's 240 runs). Prints one table: runs by
model x dataset with their alarms, then alarms by cause / check with counts.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine, make_classification
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

import gapdoctor
from gapdoctor.bench.training import out_of_fold_probs, train_by_epoch
from gapdoctor.stats.metrics import compute_metric

REPORTED = 0.5
RECORDED = 0.4
"""Findings at or above this score are recorded (0.4-0.5: weak but close to an alarm)."""

Arrays = tuple[NDArray[np.float64], NDArray[np.int64]]


def _mc(n: int, feats: int, inf: int, classes: int, sep: float) -> Callable[[int], Arrays]:
    def load(seed: int) -> Arrays:
        X, y = make_classification(
            n_samples=n,
            n_features=feats,
            n_informative=inf,
            n_redundant=2,
            n_classes=classes,
            n_clusters_per_class=2 if classes <= 3 else 1,
            class_sep=sep,
            random_state=100 + seed,
        )
        return X.astype(np.float64), y.astype(np.int64)

    return load


def _bundled(loader: Callable[..., Any]) -> Callable[[int], Arrays]:
    def load(seed: int) -> Arrays:
        X, y = loader(return_X_y=True)
        return np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.int64)

    return load


DATASETS: dict[str, tuple[Callable[[int], Arrays], float]] = {
    # name -> (loader by seed, validation share)
    "iris": (_bundled(load_iris), 0.4),
    "wine": (_bundled(load_wine), 0.4),
    "breast_cancer": (_bundled(load_breast_cancer), 0.3),
    "digits": (_bundled(load_digits), 0.25),
    "mc_bin_easy": (_mc(1500, 20, 6, 2, 1.5), 0.25),
    "mc_bin_hard": (_mc(1500, 20, 6, 2, 0.7), 0.25),
    "mc_multi_easy": (_mc(2000, 20, 8, 4, 1.5), 0.25),
    "mc_multi_hard": (_mc(2000, 20, 8, 5, 0.8), 0.25),
}


@dataclass(frozen=True)
class Run:
    history: dict[str, list[float]]
    val_probs: NDArray[np.float64]
    train_probs: NDArray[np.float64] | None = None
    """Out-of-fold probabilities of the same model for the training rows (``--train-probs``)."""


def sk_model(
    hidden: tuple[int, ...], lr: float, alpha: float, epochs: int, batch: int, solver: str = "adam"
) -> Callable[..., Run]:
    def train(
        Xt: NDArray[np.float64],
        yt: NDArray[np.int64],
        Xv: NDArray[np.float64],
        yv: NDArray[np.int64],
        seed: int,
        metric: str = "accuracy",
        oof: bool = False,
    ) -> Run:
        run = train_by_epoch(
            Xt,
            yt,
            Xv,
            yv,
            epochs=epochs,
            hidden=hidden,
            lr=lr,
            alpha=alpha,
            batch_size=batch,
            seed=seed,
            solver=solver,
            metric=metric,
        )
        if not oof:
            return Run(run.history, run.val_probs)
        options = {"hidden": hidden, "lr": lr, "alpha": alpha, "batch_size": batch, "solver": solver}
        return Run(run.history, run.val_probs, out_of_fold_probs(Xt, yt, epochs=epochs, seed=seed, **options))

    return train


def torch_model(
    wd: float, epochs: int, patience: int | None, lr: float = 1e-3, cosine: bool = False
) -> Callable[..., Run]:
    """A 64-64 ReLU MLP trained by AdamW; ``cosine``: the rate follows a cosine decay, logged as ``lr``."""

    def train(
        Xt: NDArray[np.float64],
        yt: NDArray[np.int64],
        Xv: NDArray[np.float64],
        yv: NDArray[np.int64],
        seed: int,
        metric: str = "accuracy",
    ) -> Run:
        import torch

        torch.set_num_threads(1)
        torch.manual_seed(seed)
        k = int(max(yt.max(), yv.max())) + 1
        net = torch.nn.Sequential(
            torch.nn.Linear(Xt.shape[1], 64),
            torch.nn.ReLU(),
            torch.nn.Linear(64, 64),
            torch.nn.ReLU(),
            torch.nn.Linear(64, k),
        )
        opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=wd)
        loss_fn = torch.nn.CrossEntropyLoss()
        xt, ytt = torch.tensor(Xt, dtype=torch.float32), torch.tensor(yt)
        xv, yvt = torch.tensor(Xv, dtype=torch.float32), torch.tensor(yv)
        gen = torch.Generator().manual_seed(seed)
        hist: dict[str, list[float]] = {"train_loss": [], "train_accuracy": [], "val_loss": [], "val_accuracy": []}
        best, waited = float("inf"), 0
        for epoch in range(epochs):
            if cosine:
                rate = lr * 0.5 * (1.0 + math.cos(math.pi * epoch / epochs))
                for group in opt.param_groups:
                    group["lr"] = rate
                hist.setdefault("lr", []).append(rate)
            net.train()
            order = torch.randperm(len(xt), generator=gen)
            losses, correct = [], 0
            for start in range(0, len(xt), 32):
                rows = order[start : start + 32]
                out = net(xt[rows])
                loss = loss_fn(out, ytt[rows])
                opt.zero_grad()
                loss.backward()
                opt.step()
                losses.append(loss.item() * len(rows))
                correct += int((out.argmax(1) == ytt[rows]).sum())
            net.eval()
            with torch.no_grad():
                vout = net(xv)
                vloss = float(loss_fn(vout, yvt))
            hist["train_loss"].append(sum(losses) / len(xt))
            hist["train_accuracy"].append(correct / len(xt))
            hist["val_loss"].append(vloss)
            hist["val_accuracy"].append(float((vout.argmax(1) == yvt).float().mean()))
            if metric != "accuracy":
                probs = torch.softmax(vout, 1).double().numpy()
                hist.setdefault(f"val_{metric}", []).append(compute_metric(metric, yv, probs))
            if patience is not None:
                if vloss < best - 1e-4:
                    best, waited = vloss, 0
                else:
                    waited += 1
                    if waited >= patience:
                        break
        with torch.no_grad():
            probs = torch.softmax(net(xv), 1).double().numpy()
        return Run(hist, probs)

    return train


MODELS: dict[str, Callable[..., Run]] = {
    "logreg_adam5e-3_e100": sk_model((), 5e-3, 0.0, 100, 16),
    "logreg_adam1e-2_l2_e60": sk_model((), 1e-2, 1e-3, 60, 32),
    "mlp64_e40": sk_model((64,), 1e-3, 0.0, 40, 32),
    "mlp64_l2_e120": sk_model((64,), 1e-3, 1e-2, 120, 32),
    "mlp32x32_e80": sk_model((32, 32), 1e-3, 1e-4, 80, 32),
    "torch_mlp_e40": torch_model(0.0, 40, None),
    "torch_mlp_wd_e100": torch_model(1e-2, 100, None),
    "torch_mlp_es": torch_model(0.0, 300, 10),
    "mlp64_sgd_e60": sk_model((64,), 0.05, 1e-4, 60, 32, solver="sgd"),
    "torch_mlp_cosine_e60": torch_model(1e-2, 60, None, lr=3e-3, cosine=True),
}
BINARY = ("breast_cancer", "mc_bin_easy", "mc_bin_hard")
"""The datasets a binary metric (``--metric f1`` / ``roc_auc``) is swept on."""


def runs(seeds: int, only: str, metric: str, oof: bool) -> Iterator[tuple[str, str, int]]:
    for data in DATASETS if metric == "accuracy" else BINARY:
        for model in MODELS:
            if oof and model.startswith("torch"):
                continue  # out-of-fold probabilities: the scikit-learn models (five more fits each)
            for seed in range(seeds):
                if only in f"{model}/{data}":
                    yield model, data, seed


def one(model: str, data: str, seed: int, metric: str = "accuracy", oof: bool = False) -> dict[str, Any]:
    load, val_share = DATASETS[data]
    X, y = load(seed)
    Xt, Xv, yt, yv = train_test_split(X, y, test_size=val_share, stratify=y, random_state=seed)
    scaler = StandardScaler().fit(Xt)
    Xt, Xv = scaler.transform(Xt), scaler.transform(Xv)
    t0 = time.perf_counter()
    run = MODELS[model](Xt, yt, Xv, yv, seed, metric, *((True,) if oof else ()))
    t1 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dx = gapdoctor.diagnose(
            history=run.history,
            X_train=Xt,
            y_train=yt,
            X_val=Xv,
            y_val=yv,
            val_probs=run.val_probs,
            metric=metric,
            train_probs=run.train_probs,
        )
    t2 = time.perf_counter()
    h = run.history
    return {
        "model": model,
        "data": data,
        "seed": seed,
        "metric": metric,
        "train_probs": run.train_probs is not None,
        "n_val": len(yv),
        "epochs": len(h["train_loss"]),
        "train_acc": round(h["train_accuracy"][-1], 4),
        "val_acc": round(h["val_accuracy"][-1], 4),
        "best_val_acc": round(max(h["val_accuracy"]), 4),
        "train_loss": [round(v, 4) for v in h["train_loss"]],
        "val_loss": [round(v, 4) for v in h["val_loss"]],
        "val_accuracy": [round(v, 4) for v in h["val_accuracy"]],
        "train_seconds": round(t1 - t0, 2),
        "diagnose_seconds": round(t2 - t1, 2),
        "findings": [
            {
                "cause": f.cause,
                "check": f.check,
                "score": round(float(f.score), 3),
                "summary": f.summary,
                "evidence": json.loads(json.dumps(dict(f.evidence), default=str)),
            }
            for f in dx.findings
            if f.score >= RECORDED
        ],
    }


def table(lines: list[dict[str, Any]]) -> str:
    out = ["| model | dataset | runs | alarms (>= 0.5) | near (0.4-0.5) | val acc |", "|---|---|---|---|---|---|"]
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for line in lines:
        groups.setdefault((line["model"], line["data"]), []).append(line)
    for (model, data), group in groups.items():
        alarms = Counter(f"{f['cause']}" for ln in group for f in ln["findings"][:1] if f["score"] >= REPORTED)
        near = Counter(f["cause"] for ln in group for f in ln["findings"] if RECORDED <= f["score"] < REPORTED)
        acc = "/".join(f"{ln['val_acc']:.2f}" for ln in group)
        out.append(f"| {model} | {data} | {len(group)} | {_counts(alarms)} | {_counts(near)} | {acc} |")
    heads = Counter(
        (ln["findings"][0]["cause"], ln["findings"][0]["check"])
        for ln in lines
        if ln["findings"] and ln["findings"][0]["score"] >= REPORTED
    )
    reported = Counter((f["cause"], f["check"]) for ln in lines for f in ln["findings"] if f["score"] >= REPORTED)
    near_all = Counter((f["cause"], f["check"]) for ln in lines for f in ln["findings"] if f["score"] < REPORTED)
    out += [
        "",
        f"{len(lines)} runs, {sum(heads.values())} with an alarm headline",
        "",
        "| cause / check | headlines | reported | near (0.4-0.5) |",
        "|---|---|---|---|",
    ]
    for key in sorted(set(reported) | set(near_all)):
        out.append(f"| {key[0]} / {key[1]} | {heads[key]} | {reported[key]} | {near_all[key]} |")
    return "\n".join(out)


def _counts(c: Counter[str]) -> str:
    return ", ".join(f"{k} x{v}" for k, v in c.most_common()) or "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=None, help="JSON lines, one per run (appended as they finish)")
    parser.add_argument("--only", default="", help="keep runs whose model/dataset contains this")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument(
        "--train-probs",
        action="store_true",
        help="also pass out-of-fold training probabilities (5-fold, same model; scikit-learn models only)",
    )
    parser.add_argument(
        "--metric", default="accuracy", help="logged and diagnosed; f1 / roc_auc run on the binary sets only"
    )
    args = parser.parse_args()
    lines = []
    sink = args.out.open("w") if args.out else None
    with threadpool_limits(1):
        for model, data, seed in runs(args.seeds, args.only, args.metric, args.train_probs):
            line = one(model, data, seed, args.metric, args.train_probs)
            lines.append(line)
            head = line["findings"][0] if line["findings"] else None
            print(
                f"{model:24s} {data:14s} {seed} val={line['val_acc']:.3f} ep={line['epochs']:3d} "
                f"t={line['train_seconds']:.1f}+{line['diagnose_seconds']:.1f}s "
                f"{'' if head is None else head['cause'] + ' ' + str(head['score'])}",
                file=sys.stderr,
                flush=True,
            )
            if sink:
                sink.write(json.dumps(line) + "\n")
                sink.flush()
    print(table(lines))


if __name__ == "__main__":
    main()
