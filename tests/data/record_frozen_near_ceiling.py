"""Record a run whose validation accuracy sat one row below its ceiling for 45 evaluations: not one answer.

Corpus seed 110746 (blind batch 138, ``metric_saturation``: a logistic regression, Adam at 0.005, 62 epochs, on
make_classification with class_sep 3.2 and balanced classes). Its validation accuracy is 0.9986 (730 of 731 rows) at
each of its last 45 evaluations: the decisions froze because they are right, not because the model gives one class
to every row, which would score a class's share (about 0.5 here). Read as optimization's frozen decisions at 0.98
over the saturation it is.

Kept: every :func:`gapdoctor.diagnose` input but the features. Recorded rather than trained live because the
evaluation at which the last row settles differs from one CPU to another.

Run from the repository root (it overwrites the fixture beside this file)::

    OMP_NUM_THREADS=1 python -m tests.data.record_frozen_near_ceiling [--cache DIR]
"""

from __future__ import annotations

from tests.data.record_small_validation_luck import _without_features
from tests.data.recording import CORPUS_CASES, record_corpus_arrays

FIXTURES = {110746: CORPUS_CASES / "frozen_near_ceiling_seed110746.npz"}

if __name__ == "__main__":
    record_corpus_arrays(FIXTURES, _without_features)
