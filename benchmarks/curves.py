"""Time of the curve checks against history length: they must be linear.

Usage: ``python benchmarks/curves.py``. Builds an overfitting history of n points
(train loss falling, validation loss turning up, noise) and times ``diagnose(history=...)``.
"""

from __future__ import annotations

import time

import numpy as np

import gapdoctor


def history(n: int, seed: int = 0) -> dict[str, list[float]]:
    rng = np.random.default_rng(seed)
    t = np.linspace(0.0, 1.0, n)
    return {
        "train_loss": list(1.5 * np.exp(-4 * t) + 0.05 + rng.normal(0, 0.01, n)),
        "val_loss": list(0.6 + 0.8 * (t - 0.35) ** 2 + rng.normal(0, 0.01, n)),
        "val_accuracy": list(0.8 - 0.1 * (t - 0.35) ** 2 + rng.normal(0, 0.005, n)),
    }


def main() -> None:
    print(f"{'points':>8} {'seconds':>8} {'top cause':>12}")
    for n in (1_000, 5_000, 20_000, 50_000, 100_000):
        curves = history(n)
        started = time.perf_counter()
        diagnosis = gapdoctor.diagnose(history=curves)
        elapsed = time.perf_counter() - started
        top = diagnosis.top.cause if diagnosis.top else "-"
        print(f"{n:>8} {elapsed:>8.2f} {top:>12}")


if __name__ == "__main__":
    main()
