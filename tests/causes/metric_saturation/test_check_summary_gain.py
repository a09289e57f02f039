"""A metric that moved, by less than its rows or noise can tell, is not said to have stood still.

``fastai_ipynb_takshkamlesh_vegetation.ipynb`` (held-out set 122, fastai): validation accuracy 0.9886, 0.9943,
0.9943, 1.0 while the validation loss fell 55% over the second half. The finding said the loss fell "without moving
it"; the accuracy did move (to 1.0, one row of a small set), too little to count. It now says by how much.
"""

from __future__ import annotations

from pathlib import Path

import gapdoctor

LOG = (
    Path(__file__).resolve().parents[2] / "data" / "real_logs_heldout122" / "fastai_ipynb_takshkamlesh_vegetation.ipynb"
)


def test_a_metric_that_moved_a_little_is_said_to_have_gained_that_little() -> None:
    report = gapdoctor.diagnose(history=LOG)
    saturation = [f for f in report.findings if f.cause == "metric_saturation"]
    assert saturation, report.findings
    summary = saturation[0].summary
    assert "without moving it" not in summary and "while it gained only 0.0010" in summary, summary
