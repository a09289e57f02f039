"""A scenario corpus for calibration, separate from the bench.

The bench (:mod:`gapdoctor.bench`) is 42 hand-made scenarios that measure gapdoctor; this
corpus is hundreds of scenarios drawn at random, to fit the scoring policy on some families
and report on the others (:func:`split_by_family`). Each corpus seed draws, at random:

- a **data set** family: every classification set bundled with scikit-learn (digits, iris,
  wine, breast_cancer) and three ``make_classification`` variants (binary, 3-5 classes,
  wide: 60-100 features of which 4-8 inform); mnist1d (:mod:`~gapdoctor.bench.corpus.mnist1d`, the
  ``bench`` extra) only when named (``--datasets mnist1d``: a data set the scoring policy was never
  fitted on, reported on with ``--hold-out dataset=mnist1d``);
- a **model** family: scikit-learn's MLP, multinomial logistic regression (the same optimiser,
  no hidden layer), a small torch MLP (only when torch is installed: the ``torch`` extra); a
  small torch CNN (:mod:`~gapdoctor.bench.corpus.torch_cnn`) only when named (``--models torch_cnn``:
  a model family the scoring policy was never fitted on, reported on with ``--hold-out model=torch_cnn``);
- a **severity** (mild, moderate, severe), training length, optimiser (Adam, SGD), class balance
  and validation size;
- the **causes**, by rotation over seeds (:data:`~gapdoctor.bench.corpus.generate.KINDS`):
  every cause of :data:`gapdoctor.CAUSES` (``search_noise`` draws a hyper-parameter search for
  :func:`gapdoctor.diagnose_search`), healthy runs (well-tuned, early in training, slow
  learners, small but adequate validation sets) and pairs of causes present together
  (:data:`~gapdoctor.bench.corpus.draws.PAIRS`).

Faults are the bench's own injections with drawn parameters. Each draw verifies its symptom
with the bench's check (:func:`gapdoctor.bench.scenario.check_symptom`) and, for a cause with a
rule, the cause's own symptom (:mod:`~gapdoctor.bench.corpus.own_symptom`: a metric-mismatch run
must leave metric to a decision rule, a learning rate too high must show in the training loss...),
and is redrawn when it fails (the rejections are counted; so is a run whose solver diverged, a draw
with no run to check); each is deterministic from its seed on one machine and
cached in the bench's format (``.npz`` with ``allow_pickle=False`` plus ``.json``; never pickle).

``diagnose`` also records what each scenario's own data show (overfitting, saturation, a
small validation set, wrong labels, optimisation trouble: :mod:`~gapdoctor.bench.corpus.symptoms`)
and labels each finding ``injected``, ``observed`` or ``wrong``: the target the scoring policy
is fitted to (:mod:`~gapdoctor.bench.corpus.calibration`).

Batch (not part of CI)::

    python -m gapdoctor.bench.corpus build --n 800 --jobs 1 [--cache DIR]
    python -m gapdoctor.bench.corpus diagnose --n 800 --jobs 1 [--cache DIR] --out corpus.jsonl
    python -m gapdoctor.bench.corpus split corpus.jsonl [--hold-out dataset=wine,iris]
    python -m gapdoctor.bench.corpus fit corpus.jsonl [--out FIT.json]
    python -m gapdoctor.bench.corpus evaluate corpus.jsonl [--policy FIT.json] [--markdown]

A blind batch of the report side (seeds nobody has read, built and diagnosed with the code of the
moment, read as aggregates first): ``diagnose --start S --n 800 --reported-first --jobs 2 --out B.jsonl``
then ``evaluate B.jsonl`` (only the seeds whose first draw lies on a held-out family:
:func:`~gapdoctor.bench.corpus.generate.reported_first`; 8-10 minutes on 2 cores, 356-383 of 800 seeds).

A batch of the CNN family (every seed is held out by its model): ``diagnose --start S --n 400 --models
torch_cnn --jobs 2 --out C.jsonl`` then ``evaluate C.jsonl --hold-out model=torch_cnn`` (about 10 s a seed
with ``--jobs 2`` on 2 cores, five out-of-fold CNNs per run: seeds 200000-200399 took 66 minutes).

``benchmarks/calibration.py`` runs fit, evaluate and the bench with the fit in one command.

Time per scenario, measured on the shared 2-core development machine (one BLAS thread,
``nice -n 19``; benchmarks/RESULTS.md "Calibration corpus"): building takes about 3 s of CPU
(max 9 s, rejected attempts included) and diagnosing 0.4-1.6 s. Wall time depends on the
machine's load: 4.6 s a scenario (build and diagnosis) at a load average of 3 (16 seeds), 18 s
at a load of 7 (30 seeds). Extrapolated to ``--n 400`` with ``--jobs 1``: about 30 min at the
lighter load, about 2 h at the heavier one; seeds 400-799 (a second batch, drawn after the
checks of the fourth session were written) built in 1019 s with ``--jobs 1`` (2.5 s a seed,
198 rejected attempts redrawn, 2 errored). A second ``diagnose`` reads every scenario from
the cache and costs only the diagnoses (800 seeds: about 2 min with ``--jobs 2``).
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "DEFAULT_HELD_OUT",
    "PAIRS",
    "CorpusScenario",
    "FamilySplit",
    "build_corpus",
    "diagnose_corpus",
    "draw_scenario",
    "split_by_family",
]

_WHERE = {
    "DEFAULT_HELD_OUT": "gapdoctor.bench.corpus.split",
    "FamilySplit": "gapdoctor.bench.corpus.split",
    "split_by_family": "gapdoctor.bench.corpus.split",
    "PAIRS": "gapdoctor.bench.corpus.draws",
    "CorpusScenario": "gapdoctor.bench.corpus.generate",
    "draw_scenario": "gapdoctor.bench.corpus.generate",
    "build_corpus": "gapdoctor.bench.corpus.batch",
    "diagnose_corpus": "gapdoctor.bench.corpus.batch",
}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'gapdoctor.bench.corpus' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(_WHERE[name]), name)
