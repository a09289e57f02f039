"""The demo's trained run tells its story on every seed (the CLI test runs seed 0 end to end)."""

from __future__ import annotations

from gapdoctor.demo import run_demo
from tests.seeds import each_seed


@each_seed
def test_demo_names_the_injected_problem_on_every_seed(seed: int) -> None:
    diagnosis = run_demo(seed=seed).diagnosis
    # 30% flipped labels: label noise, or the overfitting it causes, is reported first
    assert diagnosis.top is not None and diagnosis.top.cause in {"label_noise", "overfitting"}, diagnosis.render()
    assert not diagnosis.top.weak
    assert "label_noise" in {f.cause for f in diagnosis.reported}
