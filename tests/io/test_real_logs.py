"""Real training logs from public repositories: every one is read, and the verdicts agree with a plain reading.

The corpus is ``tests/data/real_logs/``: logs written by real training runs (HF Transformers
``trainer_state.json``, Lightning ``metrics.csv``, Keras ``CSVLogger``, hand-written per-epoch CSVs),
kept byte for byte (the manifest holds each file's git blob id in its source repository).
Each is labelled by the mechanical rule of ``LABELLING.md`` (``label_rule.py``, which does not
import gapdoctor); the label says what a person reading the curves would conclude.

A verdict agrees with a label when:

- ``overfitting`` / ``optimization``: the top finding is of that cause and is reported (score >= 0.5);
- ``healthy``: the diagnosis was judged (some check ran) and no finding is reported;
- ``not_enough``: the diagnosis was not judged (no check could look at anything).

``tests/data/real_logs_heldout/`` holds logs collected, and labelled by the same rule, after the
checks were last changed for this corpus: its agreement is held to its own floor; so does
``tests/data/real_logs_heldout2/``, collected on 2026-12-05 after every check change before it (blind:
43 of 55 agreed on its first run), ``tests/data/real_logs_heldout3/``, collected later that day by a helper
session that never ran gapdoctor (blind: 16 of 26), and ``tests/data/real_logs_heldout4/`` (TensorBoard files and
MLflow runs, the same way; blind: 8 of 18), ``tests/data/real_logs_heldout5/`` (Keras TensorBoard pairs and
SummaryWriter files; blind: 6 of 10) and ``tests/data/real_logs_heldout6/`` (JSON lines: DETR, facebookresearch,
MMCV and MMEngine logs; blind: 9 of 13), ``tests/data/real_logs_heldout7/`` (Weights & Biases run files; blind:
9 of 12), ``tests/data/real_logs_heldout8/`` (notebooks with Keras fits and HF Trainer runs; blind: 7 of 12),
``tests/data/real_logs_heldout9/`` (console output saved to text files; blind: 5 of 7),
``tests/data/real_logs_heldout10/`` (a hand-written loop's own per-epoch prints; blind: 8 of 12),
``tests/data/real_logs_heldout11/`` (HF, Lightning and Keras CSVLogger logs on new paths; blind: 14 of 15),
``tests/data/real_logs_heldout12/`` (a loop's own prints again, after the tenth shaped the reader; blind: 4 of 12),
``tests/data/real_logs_heldout13/`` (the same a third time, after the twelfth; blind: 6 of 12),
``tests/data/real_logs_heldout14/`` (the same a fourth time; blind: 9 of 12),
``tests/data/real_logs_heldout15/`` (HF and Lightning logs as people log them: evaluation every N steps,
learning-rate-monitor rows, test columns; blind: 12 of 14), ``tests/data/real_logs_heldout16/``
(Ultralytics YOLO ``results.csv`` of detection, segmentation and classification runs; blind: 10 of 12),
``tests/data/real_logs_heldout17/`` (Keras histories saved by hand with ``json.dump``; blind: 4 of 6),
``tests/data/real_logs_heldout18/`` (MLflow file-store runs and Lightning TensorBoard files; blind: 8 of 12),
``tests/data/real_logs_heldout19/`` (HF ``trainer_state.json`` of generation and speech fine-tunes: WER, CER, BLEU;
blind: 6 of 7) and
``tests/data/real_logs_heldout20/`` (a loop's own prints a fifth time; blind: 6 of 12, two unread).

The target (issue 14) is agreement on at least 90% of the corpus; the test prints the per-file
table when it is not met, and the figures go to ``benchmarks/RESULTS.md`` ("Real logs"):
``python -m tests.io.test_real_logs`` prints them.
"""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import gapdoctor
from gapdoctor.io import read_history

CORPUS = Path(__file__).resolve().parents[1] / "data" / "real_logs"
NOT_LOGS = {"MANIFEST.csv", "LABELLING.md", "README.md", "label_rule.py"}
AGREEMENT_TARGET = 0.90  # issue 14: "the verdicts agree with the labels on >= 90% of the labelled logs"
AGREEMENT_FLOOR = 89  # ratchet: 90 of 96 agree on 2026-12-02 (93.8%, above the target; 89 on 2026-12-01, 84
# before the curve checks weighed the noise of real logs, 90 once rises were tested against the curve's own noise);
# one file of margin for arithmetic that differs between CPUs. Raise it as checks improve; never lower it, and never
# change a label, the rule or a log to pass it.
LABELS = ("overfitting", "optimization", "healthy", "not_enough")


def _manifest(corpus: Path = CORPUS) -> list[dict[str, str]]:
    with (corpus / "MANIFEST.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


MANIFEST = _manifest()
HELDOUT = CORPUS.parent / "real_logs_heldout"  # collected after the checks were tuned on CORPUS (its README)
HELDOUT_MANIFEST = _manifest(HELDOUT)
HELDOUT_FLOOR = 26  # ratchet: 27 of 28 agree on 2026-12-02 (24 blind on 2026-12-01; 25 once a test-only file it showed
# refused is read; 27 after the rises test, which two held-out logs guided: no longer blind for those two)
HELDOUT2 = CORPUS.parent / "real_logs_heldout2"  # collected 2026-12-05, after every check change before it (its README)
HELDOUT2_MANIFEST = _manifest(HELDOUT2)
HELDOUT2_FLOOR = 45  # ratchet: 43 of 55 agreed blind on 2026-12-05 (first run); 46 once a loss named per batch, a
# VAE's named loss pair and a loss sitting at a uniform guess were read (three files no longer blind); one of margin.
# A file with no series gapdoctor knows is bad input (a clear error naming the columns it ignored), not a diagnosis:
HELDOUT2_UNREADABLE = {"pl_genrisk_v15.csv", "other_gan1202_gen_disc_loss.csv"}
HELDOUT3 = CORPUS.parent / "real_logs_heldout3"  # collected 2026-12-05 by a helper blind to gapdoctor (its README)
HELDOUT3_MANIFEST = _manifest(HELDOUT3)
HELDOUT3_FLOOR = 17  # ratchet: 16 of 26 agreed blind on 2026-12-05 (on 02e3d74 and on this session's checks); 17 once
# a Keras log written one fit(epochs=1) call at a time (every row at epoch 0) is read as successive epochs; 18 once an
# instability's rises count only when the points vouch for them (keras_capsnet_cancer.csv: 4 rises in 5 epochs). Those
# two files are no longer blind; one of margin.
HELDOUT4 = CORPUS.parent / "real_logs_heldout4"  # TensorBoard files and MLflow runs, collected blind (its README)
HELDOUT4_MANIFEST = _manifest(HELDOUT4)
HELDOUT4_FLOOR = 14  # ratchet: 8 of 18 agreed blind on 2026-12-05 (every MLflow run unreadable as committed: a folder
# holding mlruns/; 14 when pointed at mlruns/); 15 once such a folder is read and values logged without a step are
# read in the order logged (mlflow_gesture_recognition no longer blind); one of margin.
HELDOUT5 = CORPUS.parent / "real_logs_heldout5"  # Keras TensorBoard pairs and SummaryWriter files, blind (its README)
HELDOUT5_MANIFEST = _manifest(HELDOUT5)
HELDOUT5_FLOOR = 7  # ratchet: 6 of 10 agreed blind on 2026-12-06 (on the session's start 69eba2b and on main with the
# Keras split-folder reading); 8 once Ultralytics YOLO's loss terms and metrics/ names are read (its two YOLOv5 event
# files, no longer blind, which showed the gap); one of margin.
HELDOUT6 = CORPUS.parent / "real_logs_heldout6"  # JSON-lines logs (DETR, MMCV, MMEngine...), blind (its README)
HELDOUT6_MANIFEST = _manifest(HELDOUT6)
HELDOUT6_FLOOR = 11  # ratchet: 9 of 13 agreed blind on 2026-12-06 (0 readable before JSON lines were read); 12 once
# MMCV's one training line per epoch and MMEngine's training lines without iter are placed (two files no longer
# blind, which showed the gaps); one of margin.
HELDOUT7 = CORPUS.parent / "real_logs_heldout7"  # W&B run files (run-<id>.wandb), blind (its README)
HELDOUT7_MANIFEST = _manifest(HELDOUT7)
HELDOUT7_FLOOR = 8  # ratchet: 9 of 12 agreed blind on 2026-12-06 (0 readable before W&B runs were read); one of margin
# A run whose every series is named by its own scheme is bad input (a clear error naming them), not a diagnosis:
HELDOUT7_UNREADABLE = {"wandb_knowledge_tracing_mu.wandb"}
HELDOUT8 = CORPUS.parent / "real_logs_heldout8"  # notebooks with Keras fits and HF Trainer runs, blind (its README)
HELDOUT8_MANIFEST = _manifest(HELDOUT8)
HELDOUT8_FLOOR = 7  # ratchet: 7 of 12 agreed blind on 2026-12-06 (0 readable before notebooks were read); 8 once the
# HF progress table's repeating Epoch column is read as successive evaluations (its llama2 file, no longer blind,
# which showed it); one of margin.
HELDOUT9 = CORPUS.parent / "real_logs_heldout9"  # console output saved to text files (Keras, HF), blind (its README)
HELDOUT9_MANIFEST = _manifest(HELDOUT9)
HELDOUT9_FLOOR = 4  # ratchet: 5 of 7 agreed blind on 2026-12-06 (0 readable before console output was read); one of
# margin
HELDOUT10 = CORPUS.parent / "real_logs_heldout10"  # a hand-written loop's own per-epoch prints, blind (its README)
HELDOUT10_MANIFEST = _manifest(HELDOUT10)
HELDOUT10_FLOOR = 7  # ratchet: 8 of 12 agreed blind on 2026-12-06 (on 56cbb87; 2 of 12, 9 readable, on the session's
# start 3ac94f1, before a loop's header-and-phase-lines, sections and colon-less names were read); one of margin
HELDOUT11 = CORPUS.parent / "real_logs_heldout11"  # HF, Lightning and Keras CSVLogger logs on new paths, blind
HELDOUT11_MANIFEST = _manifest(HELDOUT11)
HELDOUT11_FLOOR = 13  # ratchet: 14 of 15 agreed blind on 2026-12-06 (on e882b85 and on the session's start 3ac94f1);
# one of margin
HELDOUT12 = CORPUS.parent / "real_logs_heldout12"  # a loop's own prints again, on new paths, blind (its README)
HELDOUT12_MANIFEST = _manifest(HELDOUT12)
HELDOUT12_FLOOR = 3  # ratchet: 4 of 12 agreed blind on 2026-12-06 (on 9307948, 11 readable; 2 of 12, 7 readable, on
# the session's start 3ac94f1); one of margin
HELDOUT13 = CORPUS.parent / "real_logs_heldout13"  # a loop's own prints a third time, notebooks first, blind
HELDOUT13_MANIFEST = _manifest(HELDOUT13)
HELDOUT13_FLOOR = 5  # ratchet: 6 of 12 agreed blind on 2026-12-06 (on 057924f, 11 readable; 4 of 12, 7 readable, on
# the session's start 3ac94f1); one of margin
HELDOUT14 = CORPUS.parent / "real_logs_heldout14"  # a loop's own prints a fourth time, on new paths, blind
HELDOUT14_MANIFEST = _manifest(HELDOUT14)
HELDOUT14_FLOOR = 8  # ratchet: 9 of 12 agreed blind on 2026-12-06 (on the session's start a76efdc); one of margin
# ABINet's console log (three starts, two cut off inside epoch 0, "epoch 0 iter 1000: eval loss = ...") was not read
# until evaluations every N steps were (io/step_lines.py; tests/io/test_step_lines.py reads it): every file is read
HELDOUT14_UNREADABLE: set[str] = set()
HELDOUT15 = CORPUS.parent / "real_logs_heldout15"  # HF and Lightning logs with step evaluations, lr-monitor rows, blind
HELDOUT15_MANIFEST = _manifest(HELDOUT15)
HELDOUT15_FLOOR = 11  # ratchet: 12 of 14 agreed blind on 2026-12-06 (on the session's start a76efdc); one of margin
HELDOUT16 = CORPUS.parent / "real_logs_heldout16"  # Ultralytics YOLO results.csv (detect, segment, classify), blind
HELDOUT16_MANIFEST = _manifest(HELDOUT16)
HELDOUT16_FLOOR = 9  # ratchet: 10 of 12 agreed blind on 2026-12-06 (on a76efdc, the session's start, and on 722d79f)
HELDOUT17 = CORPUS.parent / "real_logs_heldout17"  # Keras histories saved by hand (json.dump(history.history)), blind
HELDOUT17_MANIFEST = _manifest(HELDOUT17)
HELDOUT17_FLOOR = 3  # ratchet: 4 of 6 agreed blind on 2026-12-06 (on a76efdc, the session's start, and on d9b26eb)
HELDOUT18 = CORPUS.parent / "real_logs_heldout18"  # MLflow file-store runs and Lightning TensorBoard files, blind
HELDOUT18_MANIFEST = _manifest(HELDOUT18)
HELDOUT18_FLOOR = 7  # ratchet: 8 of 12 agreed blind on 2026-12-06 (on c8a6f01, the session's start); one of margin
HELDOUT19 = CORPUS.parent / "real_logs_heldout19"  # HF trainer_state.json of generation / speech fine-tunes, blind
HELDOUT19_MANIFEST = _manifest(HELDOUT19)
HELDOUT19_FLOOR = 5  # ratchet: 6 of 7 agreed blind on 2026-12-06 (on c8a6f01, the session's start); one of margin
HELDOUT20 = CORPUS.parent / "real_logs_heldout20"  # a loop's own prints a fifth time, on new paths, blind
HELDOUT20_MANIFEST = _manifest(HELDOUT20)
HELDOUT20_FLOOR = 5  # ratchet: 6 of 12 agreed blind on 2026-12-06 (on c8a6f01, the session's start); one of margin
HELDOUT21 = CORPUS.parent / "real_logs_heldout21"  # a loop's own prints a sixth time, on new paths, blind
HELDOUT21_MANIFEST = _manifest(HELDOUT21)
HELDOUT21_FLOOR = 9  # ratchet: 10 of 12 agreed blind on 2026-12-06 (on 31f90cc, verdicts as 4c30e32); one of margin
HELDOUT22 = CORPUS.parent / "real_logs_heldout22"  # known writers' console output in notebooks a second time, blind
HELDOUT22_MANIFEST = _manifest(HELDOUT22)
HELDOUT22_FLOOR = 8  # ratchet: 9 of 12 agreed blind on 2026-12-06 (on 31f90cc, verdicts as 4c30e32); one of margin
HELDOUT23 = CORPUS.parent / "real_logs_heldout23"  # TensorBoard runs: Keras pairs, HF, Lightning, SummaryWriter, blind
HELDOUT23_MANIFEST = _manifest(HELDOUT23)
HELDOUT23_FLOOR = 6  # ratchet: 7 of 12 agreed blind on 2026-12-06 (on e875df7); one of margin
HELDOUT24 = CORPUS.parent / "real_logs_heldout24"  # a loop's own prints a seventh time, on new paths, blind
HELDOUT24_MANIFEST = _manifest(HELDOUT24)
HELDOUT24_FLOOR = 9  # ratchet: 10 of 12 agreed blind on 2026-12-06 (on e875df7); one of margin
HELDOUT25 = CORPUS.parent / "real_logs_heldout25"  # histories saved by hand from loops (CSV, JSON), blind
HELDOUT25_MANIFEST = _manifest(HELDOUT25)
HELDOUT25_FLOOR = 9  # ratchet: 10 of 12 agreed blind on 2026-12-06 (on e874d16); one of margin
HELDOUT26 = CORPUS.parent / "real_logs_heldout26"  # Lightning metrics.csv on new version folders and save dirs, blind
HELDOUT26_MANIFEST = _manifest(HELDOUT26)
HELDOUT26_FLOOR = 9  # ratchet: 10 of 12 agreed blind on 2026-12-06 (on 5b317ad, the session's start); one of margin
HELDOUT27 = CORPUS.parent / "real_logs_heldout27"  # console output saved to text files a second time, blind
HELDOUT27_MANIFEST = _manifest(HELDOUT27)
HELDOUT27_FLOOR = 4  # ratchet: 5 of 6 agreed blind on 2026-12-06 (on 5b317ad, the session's start); one of margin
HELDOUT30 = CORPUS.parent / "real_logs_heldout30"  # Keras CSVLogger files on paths not walked before, blind
HELDOUT30_MANIFEST = _manifest(HELDOUT30)
HELDOUT30_FLOOR = 9  # ratchet: 10 of 11 agreed blind on 2026-12-06 (on 5b317ad; a 12th, proprietary, removed)
HELDOUT32 = CORPUS.parent / "real_logs_heldout32"  # JSON histories in shapes beyond {name: [values]}, blind
HELDOUT32_MANIFEST = _manifest(HELDOUT32)
HELDOUT32_FLOOR = 3  # ratchet: 4 of 4 agreed blind on 2026-12-06 (on 0258f43, with its JSON reader; 0 read on 5b317ad)
HELDOUT31 = CORPUS.parent / "real_logs_heldout31"  # Ultralytics results.csv a second time: seg, cls, pose, OBB, blind
HELDOUT31_MANIFEST = _manifest(HELDOUT31)
HELDOUT31_FLOOR = 11  # ratchet: 12 of 12 agreed blind on 2026-12-06 (on 5b317ad, the session's start); one of margin
HELDOUT28 = CORPUS.parent / "real_logs_heldout28"  # JSON lines a second time: DETR, MAE-style, a loop's own, blind
HELDOUT28_MANIFEST = _manifest(HELDOUT28)
HELDOUT28_FLOOR = 4  # ratchet: 5 of 5 agreed blind on 2026-12-06 (on 5b317ad, the session's start); one of margin
HELDOUT29 = CORPUS.parent / "real_logs_heldout29"  # HF trainer_state.json inside checkpoint folders, blind
HELDOUT29_MANIFEST = _manifest(HELDOUT29)
HELDOUT29_FLOOR = 7  # ratchet: 8 of 10 agreed blind on 2026-12-06 (on 5b317ad, the session's start); one of margin
HELDOUT33 = (
    CORPUS.parent / "real_logs_heldout33"
)  # TensorBoard event files a third time (Keras, HF, Lightning, YOLO), blind
HELDOUT33_MANIFEST = _manifest(HELDOUT33)
HELDOUT33_FLOOR = 5  # ratchet: 6 of 11 agreed blind on 2026-12-06 (on d47c7d0, the session's start); one of margin
HELDOUT34 = CORPUS.parent / "real_logs_heldout34"  # console output kept in Jupyter notebooks a third time, blind
HELDOUT34_MANIFEST = _manifest(HELDOUT34)
HELDOUT34_FLOOR = 3  # ratchet: 4 of 5 agreed blind on 2026-12-06 (on d47c7d0, the session's start); one of margin
HELDOUT35 = CORPUS.parent / "real_logs_heldout35"  # Weights & Biases run files a second time, blind
HELDOUT35_MANIFEST = _manifest(HELDOUT35)
HELDOUT35_FLOOR = 4  # ratchet: 5 of 7 agreed blind on 2026-12-06 (on d47c7d0, the session's start); one of margin
HELDOUT36 = CORPUS.parent / "real_logs_heldout36"  # MLflow file-store runs a second time, blind
HELDOUT36_MANIFEST = _manifest(HELDOUT36)
HELDOUT36_FLOOR = 4  # ratchet: 5 of 5 agreed blind on 2026-12-06 (on d47c7d0, the session's start); one of margin
HELDOUT37 = CORPUS.parent / "real_logs_heldout37"  # a validation metric neither accuracy nor loss (macro F1), blind
HELDOUT37_MANIFEST = _manifest(HELDOUT37)
HELDOUT37_FLOOR = 0  # ratchet: 1 of 1 agreed blind on 2026-12-06 (on d47c7d0, the session's start); one of margin
HELDOUT38 = CORPUS.parent / "real_logs_heldout38"  # console output saved to text files a third time, blind
HELDOUT38_MANIFEST = _manifest(HELDOUT38)
HELDOUT38_FLOOR = 4  # ratchet: 5 of 6 agreed blind on 2026-12-06 (on d47c7d0, the session's start); one of margin
HELDOUT39 = CORPUS.parent / "real_logs_heldout39"  # HF trainer_state.json a fifth time, on paths not walked, blind
HELDOUT39_MANIFEST = _manifest(HELDOUT39)
HELDOUT39_FLOOR = 2  # ratchet: 3 of 4 agreed blind on 2026-12-06 (on 9413ee4, before the set was read); one of margin
HELDOUT40 = CORPUS.parent / "real_logs_heldout40"  # Lightning metrics.csv a third time, on new version folders, blind
HELDOUT40_MANIFEST = _manifest(HELDOUT40)
HELDOUT40_FLOOR = 5  # ratchet: 6 of 12 agreed blind on 2026-12-06 (on eae4d53, before the set was read); one of margin
HELDOUT41 = CORPUS.parent / "real_logs_heldout41"  # Lightning metrics.csv a fourth time, on new version folders, blind
HELDOUT41_MANIFEST = _manifest(HELDOUT41)
HELDOUT41_FLOOR = 6  # ratchet: 7 of 12 agreed blind on 2026-12-07 (on 2b55500, before the set was read); one of margin
HELDOUT42 = CORPUS.parent / "real_logs_heldout42"  # TensorBoard event files a fourth time, blind
HELDOUT42_MANIFEST = _manifest(HELDOUT42)
HELDOUT42_FLOOR = 8  # ratchet: 9 of 10 agreed blind on 2026-12-07 (on 2b55500, before the set was read); one of margin
HELDOUT43 = CORPUS.parent / "real_logs_heldout43"  # Ultralytics results.csv a third time (five tasks), blind
HELDOUT43_MANIFEST = _manifest(HELDOUT43)
HELDOUT43_FLOOR = 10  # ratchet: 11 of 12 agreed blind on 2026-12-07 (on 2b55500, before the set was read); one off
HELDOUT44 = CORPUS.parent / "real_logs_heldout44"  # a loop's own per-epoch prints in notebooks, an eighth time, blind
HELDOUT44_MANIFEST = _manifest(HELDOUT44)
HELDOUT44_FLOOR = 4  # ratchet: 5 of 6 agreed blind on 2026-12-07 (on 2b55500, before the set was read); one of margin
HELDOUT45 = CORPUS.parent / "real_logs_heldout45"  # Keras CSVLogger files a third time, on paths not walked, blind
HELDOUT45_MANIFEST = _manifest(HELDOUT45)
HELDOUT45_FLOOR = 6  # ratchet: 7 of 9 agreed blind on 2026-12-07 (on 2b55500, before the set was read); one of margin
HELDOUT46 = CORPUS.parent / "real_logs_heldout46"  # Lightning metrics.csv a fifth time, on new version folders, blind
HELDOUT46_MANIFEST = _manifest(HELDOUT46)
HELDOUT46_FLOOR = 9  # ratchet: 10 of 11 agreed blind on 2026-12-07 (on 7057193, before the set was read); one of margin
HELDOUT47 = CORPUS.parent / "real_logs_heldout47"  # TensorBoard event files a fifth time (Lightning, YOLOv5), blind
HELDOUT47_MANIFEST = _manifest(HELDOUT47)
HELDOUT47_FLOOR = 3  # ratchet: 4 of 4 agreed blind on 2026-12-07 (on 7057193, before the set was read); one of margin
HELDOUT48 = CORPUS.parent / "real_logs_heldout48"  # Keras CSVLogger files a fourth time (results/, checkpoints/), blind
HELDOUT48_MANIFEST = _manifest(HELDOUT48)
HELDOUT48_FLOOR = 1  # ratchet: 2 of 4 agreed blind on 2026-12-07 (on 7057193, before the set was read); one of margin
HELDOUT49 = CORPUS.parent / "real_logs_heldout49"  # a loop's own per-epoch prints in notebooks, a ninth time, blind
HELDOUT49_MANIFEST = _manifest(HELDOUT49)
HELDOUT49_FLOOR = 3  # ratchet: 4 of 4 agreed blind on 2026-12-07 (on 3f46b1b, before the set was read); one of margin
HELDOUT50 = CORPUS.parent / "real_logs_heldout50"  # Ultralytics results.csv a fourth time (five tasks), blind
HELDOUT50_MANIFEST = _manifest(HELDOUT50)
HELDOUT50_FLOOR = 9  # ratchet: 10 of 12 agreed blind on 2026-12-07 (on 3f46b1b, before the set was read); one of margin
HELDOUT51 = CORPUS.parent / "real_logs_heldout51"  # Lightning metrics.csv under other save dirs and names, blind
HELDOUT51_MANIFEST = _manifest(HELDOUT51)
HELDOUT51_FLOOR = 6  # ratchet: 7 of 8 agreed blind on 2026-12-07 (on 3f46b1b, before the set was read); one of margin
HELDOUT52 = CORPUS.parent / "real_logs_heldout52"  # Ultralytics results.csv a fifth time (five tasks), blind
HELDOUT52_MANIFEST = _manifest(HELDOUT52)
HELDOUT52_FLOOR = 9  # ratchet: 10 of 12 agreed blind on 2026-12-07 (on 2320c92, before the set was read); one of margin
HELDOUT53 = CORPUS.parent / "real_logs_heldout53"  # console text a fourth time (Keras fit, HF dict prints), blind
HELDOUT53_MANIFEST = _manifest(HELDOUT53)
HELDOUT53_FLOOR = 1  # ratchet: 2 of 2 agreed blind on 2026-12-07 (on 2320c92, before the set was read); one of margin
HELDOUT54 = CORPUS.parent / "real_logs_heldout54"  # Lightning metrics.csv under project folders, blind
HELDOUT54_MANIFEST = _manifest(HELDOUT54)
HELDOUT54_FLOOR = 6  # ratchet: 7 of 9 agreed blind on 2026-12-07 (on a40292b, before the set was read); one of margin
HELDOUT55 = CORPUS.parent / "real_logs_heldout55"  # Keras CSVLogger a fifth time, blind
HELDOUT55_MANIFEST = _manifest(HELDOUT55)
HELDOUT55_FLOOR = 5  # ratchet: 6 of 7 agreed blind on 2026-12-07 (on a40292b, before the set was read); one of margin
HELDOUT56 = CORPUS.parent / "real_logs_heldout56"  # Ultralytics results.csv a sixth time, blind
HELDOUT56_MANIFEST = _manifest(HELDOUT56)
HELDOUT56_FLOOR = 9  # ratchet: 10 of 12 agreed blind on 2026-12-07 (on a40292b, before the set was read); one of margin
HELDOUT57 = CORPUS.parent / "real_logs_heldout57"  # TensorBoard a sixth time (Lightning, Ultralytics, YOLOv5), blind
HELDOUT57_MANIFEST = _manifest(HELDOUT57)
HELDOUT57_FLOOR = 2  # ratchet: 3 of 6 agreed blind on 2026-12-07 (on a40292b, before the set was read); one of margin
HELDOUT58 = CORPUS.parent / "real_logs_heldout58"  # HF trainer_state.json under results/checkpoint-N, blind
HELDOUT58_MANIFEST = _manifest(HELDOUT58)
HELDOUT58_FLOOR = 2  # ratchet: 3 of 3 agreed blind on 2026-12-07 (on a40292b, before the set was read); one of margin
HELDOUT59 = CORPUS.parent / "real_logs_heldout59"  # Keras fit output kept in notebooks, blind
HELDOUT59_MANIFEST = _manifest(HELDOUT59)
HELDOUT59_FLOOR = 4  # ratchet: 5 of 6 agreed blind on 2026-12-07 (on a40292b, before the set was read); one of margin
HELDOUT60 = CORPUS.parent / "real_logs_heldout60"  # JSON lines a third time (DETR log.txt, loops' own .jsonl), blind
HELDOUT60_MANIFEST = _manifest(HELDOUT60)
HELDOUT60_FLOOR = 2  # ratchet: 3 of 4 agreed blind on 2026-12-07 (on a40292b, before the set was read); one of margin
HELDOUT61 = CORPUS.parent / "real_logs_heldout61"  # histories saved by hand as one JSON object a third time, blind
HELDOUT61_MANIFEST = _manifest(HELDOUT61)
HELDOUT61_FLOOR = 6  # ratchet: 7 of 7 agreed blind on 2026-12-07 (on a40292b, before the set was read); one of margin
HELDOUT62 = CORPUS.parent / "real_logs_heldout62"  # Lightning metrics.csv an eighth time, blind
HELDOUT62_MANIFEST = _manifest(HELDOUT62)
HELDOUT62_FLOOR = 6  # ratchet: 7 of 9 agreed blind on 2026-12-07 (on 08c6ee6, before the set was read); one of margin
HELDOUT63 = CORPUS.parent / "real_logs_heldout63"  # Keras CSVLogger a sixth time, blind
HELDOUT63_MANIFEST = _manifest(HELDOUT63)
HELDOUT63_FLOOR = 2  # ratchet: 3 of 4 agreed blind on 2026-12-07 (on 08c6ee6, before the set was read); one of margin
HELDOUT64 = CORPUS.parent / "real_logs_heldout64"  # Ultralytics results.csv a seventh time, blind
HELDOUT64_MANIFEST = _manifest(HELDOUT64)
HELDOUT64_FLOOR = (
    10  # ratchet: 11 of 12 agreed blind on 2026-12-07 (on 08c6ee6, before the set was read); one of margin
)
HELDOUT65 = CORPUS.parent / "real_logs_heldout65"  # TensorBoard a seventh time (YOLOv5, Lightning), blind
HELDOUT65_MANIFEST = _manifest(HELDOUT65)
HELDOUT65_FLOOR = 2  # ratchet: 3 of 4 agreed blind on 2026-12-07 (on 08c6ee6, before the set was read); one of margin
HELDOUT66 = CORPUS.parent / "real_logs_heldout66"  # a loop's own per-epoch prints in notebooks, blind
HELDOUT66_MANIFEST = _manifest(HELDOUT66)
HELDOUT66_FLOOR = 2  # ratchet: 3 of 4 agreed blind on 2026-12-07 (on 08c6ee6, before the set was read); one of margin
HELDOUT67 = CORPUS.parent / "real_logs_heldout67"  # Lightning metrics.csv a ninth time, blind
HELDOUT67_MANIFEST = _manifest(HELDOUT67)
HELDOUT67_FLOOR = 5  # ratchet: 6 of 7 agreed blind on 2026-12-07 (on bae6d71, before the set was read); one of margin
HELDOUT68 = CORPUS.parent / "real_logs_heldout68"  # Keras CSVLogger a seventh time, blind
HELDOUT68_MANIFEST = _manifest(HELDOUT68)
HELDOUT68_FLOOR = 4  # ratchet: 5 of 7 agreed blind on 2026-12-07 (on bae6d71, before the set was read); one of margin
HELDOUT69 = CORPUS.parent / "real_logs_heldout69"  # HF trainer_state.json a seventh time, blind
HELDOUT69_MANIFEST = _manifest(HELDOUT69)
HELDOUT69_FLOOR = 1  # ratchet: 2 of 3 agreed blind on 2026-12-07 (on bae6d71, before the set was read); one of margin
HELDOUT70 = CORPUS.parent / "real_logs_heldout70"  # MLflow file-store runs a third time, blind
HELDOUT70_MANIFEST = _manifest(HELDOUT70)
HELDOUT70_FLOOR = 2  # ratchet: 3 of 4 agreed blind on 2026-12-07 (on bae6d71, before the set was read); one of margin
HELDOUT71 = CORPUS.parent / "real_logs_heldout71"  # W&B run files a third time, blind
HELDOUT71_MANIFEST = _manifest(HELDOUT71)
HELDOUT71_FLOOR = 2  # ratchet: 3 of 3 agreed blind on 2026-12-07 (on bae6d71, before the set was read); one of margin
HELDOUT72 = (
    CORPUS.parent / "real_logs_heldout72"
)  # non-accuracy validation metrics a second time: no file passed (its README), blind
HELDOUT72_MANIFEST = _manifest(HELDOUT72)
HELDOUT73 = CORPUS.parent / "real_logs_heldout73"  # Ultralytics results.csv an eighth time, blind
HELDOUT73_MANIFEST = _manifest(HELDOUT73)
HELDOUT73_FLOOR = 9  # ratchet: 10 of 12 agreed blind on 2026-12-07 (on bae6d71, before the set was read); one of margin
HELDOUT74 = CORPUS.parent / "real_logs_heldout74"  # console output saved to text files a fifth time, blind
HELDOUT74_MANIFEST = _manifest(HELDOUT74)
HELDOUT74_FLOOR = 0  # ratchet: 1 of 1 agreed blind on 2026-12-07 (on bae6d71, before the set was read); one of margin
HELDOUT75 = CORPUS.parent / "real_logs_heldout75"  # TensorBoard an eighth time (Lightning, SummaryWriter, Keras), blind
HELDOUT75_MANIFEST = _manifest(HELDOUT75)
HELDOUT75_FLOOR = 6  # ratchet: 7 of 7 agreed blind on 2026-12-07 (on cdd2fb4, before the set was read); one of margin
HELDOUT76 = CORPUS.parent / "real_logs_heldout76"  # Ultralytics results.csv a ninth time, blind
HELDOUT76_MANIFEST = _manifest(HELDOUT76)
HELDOUT76_FLOOR = 8  # ratchet: 9 of 12 agreed blind on 2026-12-07 (on cdd2fb4, before the set was read); one of margin
HELDOUT77 = CORPUS.parent / "real_logs_heldout77"  # JSON lines a fourth time (Detectron2), blind
HELDOUT77_MANIFEST = _manifest(HELDOUT77)
HELDOUT77_FLOOR = 0  # ratchet: 1 of 1 agreed blind on 2026-12-07 (on cdd2fb4, before the set was read); one of margin
HELDOUT78 = CORPUS.parent / "real_logs_heldout78"  # Keras fit output in notebooks a fifth time, blind
HELDOUT78_MANIFEST = _manifest(HELDOUT78)
HELDOUT78_FLOOR = 1  # ratchet: 2 of 2 agreed blind on 2026-12-07 (on cdd2fb4, before the set was read); one of margin
HELDOUT79 = CORPUS.parent / "real_logs_heldout79"  # histories saved by hand a fourth time, blind
HELDOUT79_MANIFEST = _manifest(HELDOUT79)
HELDOUT79_FLOOR = 6  # ratchet: 7 of 8 agreed blind on 2026-12-07 (on cdd2fb4, before the set was read); one of margin
HELDOUT80 = CORPUS.parent / "real_logs_heldout80"  # a loop's own per-epoch prints in notebooks an eleventh time, blind
HELDOUT80_MANIFEST = _manifest(HELDOUT80)
HELDOUT80_FLOOR = 1  # ratchet: 2 of 4 agreed blind on 2026-12-07 (on cdd2fb4, before the set was read); one of margin
HELDOUT81 = CORPUS.parent / "real_logs_heldout81"  # Ultralytics results.csv a tenth time, blind
HELDOUT81_MANIFEST = _manifest(HELDOUT81)
HELDOUT81_FLOOR = 9  # ratchet: 10 of 12 agreed blind on 2026-12-07 (on cc178ee, before the set was read); one of margin
HELDOUT82 = CORPUS.parent / "real_logs_heldout82"  # Lightning metrics.csv a tenth time, blind
HELDOUT82_MANIFEST = _manifest(HELDOUT82)
HELDOUT82_FLOOR = 0  # ratchet: 1 of 2 agreed blind on 2026-12-07 (on cc178ee, before the set was read); one of margin
HELDOUT83 = CORPUS.parent / "real_logs_heldout83"  # Keras CSVLogger an eighth time, blind
HELDOUT83_MANIFEST = _manifest(HELDOUT83)
HELDOUT83_FLOOR = 1  # ratchet: 2 of 2 agreed blind on 2026-12-07 (on cc178ee, before the set was read); one of margin
HELDOUT84 = CORPUS.parent / "real_logs_heldout84"  # TensorBoard a ninth time (Lightning, YOLOv5), blind
HELDOUT84_MANIFEST = _manifest(HELDOUT84)
HELDOUT84_FLOOR = 3  # ratchet: 4 of 5 agreed blind on 2026-12-07 (on cc178ee, before the set was read); one of margin
HELDOUT85 = CORPUS.parent / "real_logs_heldout85"  # HF trainer_state.json an eighth time, blind
HELDOUT85_MANIFEST = _manifest(HELDOUT85)
HELDOUT85_FLOOR = 0  # ratchet: 1 of 1 agreed blind on 2026-12-07 (on cc178ee, before the set was read); one of margin
HELDOUT86 = CORPUS.parent / "real_logs_heldout86"  # histories saved by hand a fifth time, blind
HELDOUT86_MANIFEST = _manifest(HELDOUT86)
HELDOUT86_FLOOR = 6  # ratchet: 7 of 10 agreed blind on 2026-12-07 (on cc178ee, before the set was read); one of margin
HELDOUT87 = CORPUS.parent / "real_logs_heldout87"  # non-accuracy validation metrics a third time: no file passed, blind
HELDOUT87_MANIFEST = _manifest(HELDOUT87)
HELDOUT88 = CORPUS.parent / "real_logs_heldout88"  # MLflow file-store runs a fourth time, blind
HELDOUT88_MANIFEST = _manifest(HELDOUT88)
HELDOUT88_FLOOR = 1  # ratchet: 2 of 3 agreed blind on 2026-12-07 (on cc178ee, before the set was read); one of margin
HELDOUT89 = CORPUS.parent / "real_logs_heldout89"  # Ultralytics results.csv an eleventh time, blind
HELDOUT89_MANIFEST = _manifest(HELDOUT89)
HELDOUT89_FLOOR = (
    11  # ratchet: 12 of 12 agreed blind on 2026-12-07 (on 83d264d, before the set was read); one of margin
)
HELDOUT90 = CORPUS.parent / "real_logs_heldout90"  # Lightning metrics.csv an eleventh time, blind
HELDOUT90_MANIFEST = _manifest(HELDOUT90)
HELDOUT90_FLOOR = 0  # ratchet: 1 of 1 agreed blind on 2026-12-07 (on 83d264d, before the set was read); one of margin
HELDOUT91 = CORPUS.parent / "real_logs_heldout91"  # Keras CSVLogger a ninth time, blind
HELDOUT91_MANIFEST = _manifest(HELDOUT91)
HELDOUT91_FLOOR = 3  # ratchet: 4 of 4 agreed blind on 2026-12-07 (on 83d264d, before the set was read); one of margin
HELDOUT92 = CORPUS.parent / "real_logs_heldout92"  # HF trainer_state.json a ninth time, blind
HELDOUT92_MANIFEST = _manifest(HELDOUT92)
HELDOUT92_FLOOR = 1  # ratchet: 2 of 3 agreed blind on 2026-12-07 (on 83d264d, before the set was read); one of margin
HELDOUT93 = CORPUS.parent / "real_logs_heldout93"  # W&B run files a fourth time, blind
HELDOUT93_MANIFEST = _manifest(HELDOUT93)
HELDOUT93_FLOOR = 2  # ratchet: 3 of 4 agreed blind on 2026-12-07 (on 83d264d, before the set was read); one of margin
HELDOUT94 = CORPUS.parent / "real_logs_heldout94"  # console output saved to text files a sixth time, blind
HELDOUT94_MANIFEST = _manifest(HELDOUT94)
HELDOUT94_FLOOR = 4  # ratchet: 5 of 5 agreed blind on 2026-12-07 (on 83d264d, before the set was read); one of margin
HELDOUT95 = CORPUS.parent / "real_logs_heldout95"  # JSON lines a fifth time, blind
HELDOUT95_MANIFEST = _manifest(HELDOUT95)
HELDOUT95_FLOOR = 1  # ratchet: 2 of 3 agreed blind on 2026-12-07 (on 83d264d, before the set was read); one of margin
HELDOUT96 = CORPUS.parent / "real_logs_heldout96"  # a loop's own per-epoch prints in notebooks a twelfth time, blind
HELDOUT96_MANIFEST = _manifest(HELDOUT96)
HELDOUT96_FLOOR = 1  # ratchet: 2 of 4 agreed blind on 2026-12-07 (on 83d264d, before the set was read); one of margin
HELDOUT97 = CORPUS.parent / "real_logs_heldout97"  # Ultralytics results.csv a twelfth time, blind
HELDOUT97_MANIFEST = _manifest(HELDOUT97)
HELDOUT97_FLOOR = (
    11  # ratchet: 12 of 12 agreed blind on 2026-12-07 (on b354d97, before the set was read); one of margin
)
HELDOUT98 = CORPUS.parent / "real_logs_heldout98"  # histories saved by hand a sixth time, blind
HELDOUT98_MANIFEST = _manifest(HELDOUT98)
HELDOUT98_FLOOR = 8  # ratchet: 9 of 10 agreed blind on 2026-12-07 (on b354d97, before the set was read); one of margin
HELDOUT99 = CORPUS.parent / "real_logs_heldout99"  # TensorBoard a tenth time (YOLOv5, Lightning), blind
HELDOUT99_MANIFEST = _manifest(HELDOUT99)
HELDOUT99_FLOOR = 2  # ratchet: 3 of 3 agreed blind on 2026-12-07 (on b354d97, before the set was read); one of margin
HELDOUT100 = CORPUS.parent / "real_logs_heldout100"  # known writers' console output in notebooks a sixth time, blind
HELDOUT100_MANIFEST = _manifest(HELDOUT100)
HELDOUT100_FLOOR = 3  # ratchet: 4 of 8 agreed blind on 2026-12-07 (on b354d97, before the set was read); one of margin
HELDOUT101 = CORPUS.parent / "real_logs_heldout101"  # a loop's own per-epoch prints a thirteenth time, blind
HELDOUT101_MANIFEST = _manifest(HELDOUT101)
HELDOUT101_FLOOR = 3  # ratchet: 4 of 6 agreed blind on 2026-12-07 (on b354d97, before the set was read); one of margin
HELDOUT102 = CORPUS.parent / "real_logs_heldout102"  # Ultralytics results.csv a thirteenth time, blind
HELDOUT102_MANIFEST = _manifest(HELDOUT102)
HELDOUT102_FLOOR = 5  # ratchet: 6 of 7 agreed blind on 2026-12-07 (on 3be5091, before the set was read); one of margin
HELDOUT103 = CORPUS.parent / "real_logs_heldout103"  # histories saved by hand a seventh time, blind
HELDOUT103_MANIFEST = _manifest(HELDOUT103)
HELDOUT103_FLOOR = (
    9  # ratchet: 10 of 12 agreed blind on 2026-12-07 (on 3be5091, before the set was read); one of margin
)
HELDOUT104 = CORPUS.parent / "real_logs_heldout104"  # Keras fit output in notebooks a seventh time, blind
HELDOUT104_MANIFEST = _manifest(HELDOUT104)
HELDOUT104_FLOOR = 5  # ratchet: 6 of 6 agreed blind on 2026-12-07 (on 3be5091, before the set was read); one of margin
HELDOUT105 = CORPUS.parent / "real_logs_heldout105"  # console output saved to text files a seventh time, blind
HELDOUT105_MANIFEST = _manifest(HELDOUT105)
HELDOUT105_FLOOR = 1  # ratchet: 2 of 4 agreed blind on 2026-12-07 (on 3be5091, before the set was read); one of margin
HELDOUT106 = (
    CORPUS.parent / "real_logs_heldout106"
)  # a loop's own per-epoch prints in notebooks a fourteenth time, blind
HELDOUT106_MANIFEST = _manifest(HELDOUT106)
HELDOUT106_FLOOR = 3  # ratchet: 4 of 5 agreed blind on 2026-12-07 (on 3be5091, before the set was read); one of margin
HELDOUT107 = (
    CORPUS.parent / "real_logs_heldout107"
)  # non-accuracy validation metrics a fourth time: no file passed, blind
HELDOUT107_MANIFEST = _manifest(HELDOUT107)
HELDOUT108 = CORPUS.parent / "real_logs_heldout108"  # MLflow file-store runs a fifth time, blind
HELDOUT108_MANIFEST = _manifest(HELDOUT108)
HELDOUT108_FLOOR = 1  # ratchet: 2 of 2 agreed blind on 2026-12-07 (on 0ccc0b9, before the set was read); one of margin
HELDOUT109 = CORPUS.parent / "real_logs_heldout109"  # Lightning CSVLogger a twelfth time, blind
HELDOUT109_MANIFEST = _manifest(HELDOUT109)
HELDOUT109_FLOOR = 0  # ratchet: 1 of 1 agreed blind on 2026-12-07 (on 0ccc0b9, before the set was read); one of margin
HELDOUT110 = CORPUS.parent / "real_logs_heldout110"  # Keras CSVLogger a tenth time, blind
HELDOUT110_MANIFEST = _manifest(HELDOUT110)
HELDOUT110_FLOOR = 5  # ratchet: 6 of 6 agreed blind on 2026-12-07 (on 0ccc0b9, before the set was read); one of margin
HELDOUT111 = CORPUS.parent / "real_logs_heldout111"  # HF trainer_state.json a tenth time, blind
HELDOUT111_MANIFEST = _manifest(HELDOUT111)
HELDOUT111_FLOOR = 0  # ratchet: 0 of 1 agreed blind on 2026-12-07 (on 0ccc0b9, before the set was read); one of margin
HELDOUT112 = CORPUS.parent / "real_logs_heldout112"  # Weights & Biases run files a fifth time, blind
HELDOUT112_MANIFEST = _manifest(HELDOUT112)
HELDOUT112_FLOOR = 2  # ratchet: 3 of 3 agreed blind on 2026-12-07 (on 0ccc0b9, before the set was read); one of margin
HELDOUT113 = CORPUS.parent / "real_logs_heldout113"  # JSON lines a sixth time (LLaMA-Factory), blind
HELDOUT113_MANIFEST = _manifest(HELDOUT113)
HELDOUT113_FLOOR = 0  # ratchet: 1 of 2 agreed blind on 2026-12-07 (on 0ccc0b9, before the set was read); one of margin
HELDOUT114 = CORPUS.parent / "real_logs_heldout114"  # TensorBoard an eleventh time (Lightning, YOLOv5), blind
HELDOUT114_MANIFEST = _manifest(HELDOUT114)
HELDOUT114_FLOOR = 2  # ratchet: 3 of 4 agreed blind on 2026-12-07 (on 0ccc0b9, before the set was read); one of margin
HELDOUT115 = CORPUS.parent / "real_logs_heldout115"  # Ultralytics results.csv a fourteenth time, blind
HELDOUT115_MANIFEST = _manifest(HELDOUT115)
HELDOUT115_FLOOR = 6  # ratchet: 7 of 12 agreed blind on 2026-12-07 (on 1bc17c3, before the set was read); one of margin
HELDOUT116 = CORPUS.parent / "real_logs_heldout116"  # histories saved by hand an eighth time, blind
HELDOUT116_MANIFEST = _manifest(HELDOUT116)
HELDOUT116_FLOOR = 5  # ratchet: 6 of 8 agreed blind on 2026-12-07 (on 1bc17c3, before the set was read); one of margin
HELDOUT117 = CORPUS.parent / "real_logs_heldout117"  # Keras fit output in notebooks an eighth time, blind
HELDOUT117_MANIFEST = _manifest(HELDOUT117)
HELDOUT117_FLOOR = 5  # ratchet: 6 of 6 agreed blind on 2026-12-07 (on 1bc17c3, before the set was read); one of margin
HELDOUT118 = CORPUS.parent / "real_logs_heldout118"  # console output saved to text files an eighth time, blind
HELDOUT118_MANIFEST = _manifest(HELDOUT118)
HELDOUT118_FLOOR = 0  # ratchet: 1 of 3 agreed blind on 2026-12-07 (on 1bc17c3, before the set was read); one of margin
HELDOUT119 = (
    CORPUS.parent / "real_logs_heldout119"
)  # a loop's own per-epoch prints in notebooks a fifteenth time, blind
HELDOUT119_MANIFEST = _manifest(HELDOUT119)
HELDOUT119_FLOOR = 1  # ratchet: 2 of 4 agreed blind on 2026-12-07 (on 1bc17c3, before the set was read); one of margin
HELDOUT120 = CORPUS.parent / "real_logs_heldout120"  # fastai's notebook progress tables, a first time, blind
HELDOUT120_MANIFEST = _manifest(HELDOUT120)
HELDOUT120_FLOOR = 4  # ratchet: 5 of 6 agreed blind on 2026-12-07 (the fastai reader written before the set was read;
# on 1bc17c3, before it, 0 of 6 were read); one of margin
HELDOUT121 = CORPUS.parent / "real_logs_heldout121"  # fastai's CSVLogger files, a first time: no file found, blind
HELDOUT121_MANIFEST = _manifest(HELDOUT121)
HELDOUT122 = CORPUS.parent / "real_logs_heldout122"  # fastai's notebook progress tables a second time, blind
HELDOUT122_MANIFEST = _manifest(HELDOUT122)
HELDOUT122_FLOOR = 2  # ratchet: 3 of 6 agreed blind on 2026-12-07 (on 7cdc42e, before the set was read); one of margin
HELDOUT123 = CORPUS.parent / "real_logs_heldout123"  # Ultralytics results.csv a fifteenth time, blind
HELDOUT123_MANIFEST = _manifest(HELDOUT123)
HELDOUT123_FLOOR = (
    11  # ratchet: 12 of 12 agreed blind on 2026-12-07 (on 7cdc42e, before the set was read); one of margin
)
HELDOUT124 = CORPUS.parent / "real_logs_heldout124"  # histories saved by hand a ninth time, blind
HELDOUT124_MANIFEST = _manifest(HELDOUT124)
HELDOUT124_FLOOR = 7  # ratchet: 8 of 8 agreed blind on 2026-12-07 (on 7cdc42e, before the set was read); one of margin
HELDOUT125 = CORPUS.parent / "real_logs_heldout125"  # Keras / HF output in notebooks a ninth time, blind
HELDOUT125_MANIFEST = _manifest(HELDOUT125)
HELDOUT125_FLOOR = 4  # ratchet: 5 of 6 agreed blind on 2026-12-07 (on 7cdc42e, before the set was read); one of margin
# Sets collected blind from the hundred-and-twenty-sixth on, each measured on the commit named (frozen before it was
# read): number, what it holds, files agreeing blind, files, the test id's tag, that commit. Each is held to a floor one
# below its blind count.
TABLED_SETS = (
    (126, "Ultralytics results.csv a sixteenth time", 9, 10, "ultralytics", "1e5cf55"),
    (127, "Keras CSVLogger an eleventh time", 4, 4, "keras-csv", "1e5cf55"),
    (128, "fastai's notebook progress tables a third time", 5, 6, "fastai-notebooks", "1e5cf55"),
    (129, "histories saved by hand a tenth time", 3, 4, "saved-histories", "1e5cf55"),
    (130, "Keras fit output in notebooks a tenth time", 5, 6, "keras-notebooks", "1e5cf55"),
    (131, "Ultralytics results.csv a seventeenth time", 8, 10, "ultralytics", "8a048fc"),
    (132, "Keras fit output in notebooks an eleventh time", 4, 4, "keras-notebooks", "8a048fc"),
    (133, "histories saved by hand an eleventh time", 7, 9, "saved-histories", "8a048fc"),
    (134, "Keras CSVLogger a twelfth time", 4, 5, "keras-csv", "8a048fc"),
    (135, "fastai's notebook progress tables a fourth time", 3, 3, "fastai-notebooks", "8a048fc"),
    (136, "Lightning CSVLogger metrics.csv a thirteenth time", 0, 1, "lightning-csv", "8a048fc"),
    (137, "console output saved to text files a ninth time", 3, 4, "console-text", "8a048fc"),
    (138, "a loop's prints in notebooks a sixteenth time", 6, 6, "loop-notebooks", "8a048fc"),
    (139, "HF trainer_state.json an eleventh time", 3, 4, "hf-trainer-state", "8a048fc"),
    (140, "TensorBoard event files a twelfth time", 3, 3, "tensorboard", "8a048fc"),
    (141, "JSON lines a seventh time", 1, 2, "json-lines", "8a048fc"),
    (142, "Weights & Biases run files a sixth time", 5, 6, "wandb", "8a048fc"),
    (143, "Ultralytics results.csv an eighteenth time", 8, 11, "ultralytics", "8a048fc"),
    (144, "Keras fit output in notebooks a twelfth time", 4, 6, "keras-notebooks", "8a048fc"),
    (145, "histories saved by hand a twelfth time", 5, 6, "saved-histories", "8a048fc"),
    (146, "Keras CSVLogger a thirteenth time", 8, 9, "keras-csv", "8a048fc"),
    (147, "a loop's prints in notebooks a seventeenth time", 4, 5, "loop-notebooks", "8a048fc"),
    (148, "MLflow file-store runs a sixth time", 1, 3, "mlflow", "8a048fc"),
    (149, "Ultralytics results.csv a nineteenth time", 12, 12, "ultralytics", "8a048fc"),
    (150, "Keras fit output in notebooks a thirteenth time", 5, 6, "keras-notebooks", "8a048fc"),
    (151, "histories saved by hand a thirteenth time", 8, 9, "saved-histories", "8a048fc"),
    (152, "Keras CSVLogger a fourteenth time", 1, 2, "keras-csv", "8a048fc"),
    (153, "console output saved to text files a tenth time", 1, 3, "console-text", "8a048fc"),
    (154, "fastai's notebook progress tables a fifth time", 2, 4, "fastai-notebooks", "8a048fc"),
    (155, "Ultralytics results.csv a twentieth time", 10, 11, "ultralytics", "b23ff72"),
    (156, "Keras fit output in notebooks a fourteenth time", 5, 7, "keras-notebooks", "b23ff72"),
    (157, "histories saved by hand a fourteenth time", 3, 4, "saved-histories", "b23ff72"),
    (158, "Keras CSVLogger a fifteenth time", 5, 5, "keras-csv", "b23ff72"),
    (159, "console output saved to text files an eleventh time", 2, 3, "console-text", "b23ff72"),
    (160, "a loop's prints in notebooks an eighteenth time", 1, 3, "loop-notebooks", "b23ff72"),
    (161, "HF trainer_state.json a twelfth time", 1, 1, "hf-trainer-state", "b23ff72"),
    (162, "Lightning CSVLogger metrics.csv a fourteenth time", 8, 9, "lightning-csv", "b23ff72"),
    (163, "TensorBoard event files a thirteenth time", 5, 6, "tensorboard", "342269a"),
    (164, "JSON lines an eighth time (none passed the shape rule)", 0, 0, "json-lines", "342269a"),
    (165, "Weights & Biases run files a seventh time", 4, 5, "wandb", "342269a"),
    (166, "MLflow file-store runs a seventh time (none passed the shape rule)", 0, 0, "mlflow", "342269a"),
    (167, "fastai's notebook progress tables a sixth time", 1, 1, "fastai-notebooks", "342269a"),
    (168, "console output saved to text files a twelfth time", 2, 2, "console-text", "342269a"),
    (169, "a loop's prints in notebooks a nineteenth time", 4, 4, "loop-notebooks", "342269a"),
    (170, "histories saved by hand a fifteenth time", 4, 4, "saved-histories", "342269a"),
    (171, "Ultralytics results.csv a twenty-first time", 10, 12, "ultralytics", "342269a"),
    (172, "Lightning CSVLogger metrics.csv a fifteenth time", 2, 2, "lightning-csv", "342269a"),
    (173, "Keras / HF output in notebooks a fifteenth time", 3, 5, "keras-notebooks", "342269a"),
    (174, "TensorBoard event files a fourteenth time", 2, 6, "tensorboard", "342269a"),
    (175, "Keras CSVLogger a sixteenth time", 1, 1, "keras-csv", "342269a"),
    (176, "Ultralytics results.csv a twenty-second time", 5, 7, "ultralytics", "e56cfa6"),
    (177, "Keras / HF output in notebooks a sixteenth time", 7, 7, "keras-notebooks", "e56cfa6"),
    (178, "a loop's prints in notebooks a twentieth time", 2, 2, "loop-notebooks", "e56cfa6"),
    (179, "Weights & Biases run files an eighth time", 2, 3, "wandb", "e56cfa6"),
    (180, "histories saved by hand a sixteenth time (none passed the shape rule)", 0, 0, "saved-histories", "e56cfa6"),
    (181, "HF trainer_state.json a thirteenth time", 2, 2, "hf-trainer-state", "07cb45f"),
    (182, "TensorBoard event files a fifteenth time", 5, 6, "tensorboard", "07cb45f"),
    (183, "Lightning CSVLogger a sixteenth time (none passed the shape rule)", 0, 0, "lightning-csv", "07cb45f"),
    (184, "Keras CSVLogger a seventeenth time", 3, 4, "keras-csv", "07cb45f"),
    (185, "console output saved to text files a thirteenth time", 1, 1, "console-text", "07cb45f"),
    (186, "Ultralytics results.csv a twenty-third time", 8, 11, "ultralytics", "07cb45f"),
    (187, "Keras fit output in notebooks a seventeenth time", 6, 6, "keras-notebooks", "07cb45f"),
    (188, "a loop's prints in notebooks a twenty-first time", 5, 5, "loop-notebooks", "07cb45f"),
    (189, "fastai's notebook progress tables a seventh time", 7, 7, "fastai-notebooks", "07cb45f"),
    (190, "Weights & Biases run files a ninth time", 5, 5, "wandb", "07cb45f"),
    (
        191,
        "histories saved by hand a seventeenth time (none passed the shape rule)",
        0,
        0,
        "saved-histories",
        "07cb45f",
    ),
    (192, "MLflow file-store runs an eighth time", 1, 1, "mlflow", "07cb45f"),
    (193, "JSON lines a ninth time", 2, 2, "json-lines", "07cb45f"),
    (194, "Ultralytics results.csv a twenty-fourth time", 12, 12, "ultralytics", "07cb45f"),
    (195, "Keras fit output in notebooks an eighteenth time", 6, 6, "keras-notebooks", "07cb45f"),
    (196, "TensorBoard event files a sixteenth time", 4, 4, "tensorboard", "07cb45f"),
    (197, "a loop's prints in notebooks a twenty-second time", 2, 2, "loop-notebooks", "07cb45f"),
    (198, "Keras CSVLogger an eighteenth time (none passed the shape rule)", 0, 0, "keras-csv", "07cb45f"),
    (199, "fastai's notebook progress tables an eighth time", 3, 3, "fastai-notebooks", "07cb45f"),
    (200, "Ultralytics results.csv a twenty-fifth time", 10, 12, "ultralytics", "07cb45f"),
    (201, "Keras fit output in notebooks a nineteenth time", 3, 4, "keras-notebooks", "07cb45f"),
    (202, "Weights & Biases run files a tenth time", 3, 5, "wandb", "07cb45f"),
    (203, "Ultralytics results.csv a twenty-sixth time", 9, 9, "ultralytics", "523c743"),
    (204, "Keras fit output in notebooks a twentieth time", 6, 6, "keras-notebooks", "523c743"),
    (205, "Weights & Biases run files an eleventh time", 3, 3, "wandb", "523c743"),
    (206, "fastai's notebook progress tables a ninth time", 6, 7, "fastai-notebooks", "523c743"),
    (207, "a loop's prints in notebooks a twenty-third time", 2, 3, "loop-notebooks", "523c743"),
    (208, "TensorBoard event files a seventeenth time", 6, 6, "tensorboard", "523c743"),
    # 209-214: their collectors were cut off by a service error at their start and resumed after their deadline
    (209, "Ultralytics results.csv a twenty-seventh time (not walked)", 0, 0, "ultralytics", "ee3fa4a"),
    (210, "Keras fit output in notebooks a twenty-first time (not walked)", 0, 0, "keras-notebooks", "ee3fa4a"),
    (211, "TensorBoard event files an eighteenth time (not walked)", 0, 0, "tensorboard", "ee3fa4a"),
    (212, "fastai's notebook progress tables a tenth time (not walked)", 0, 0, "fastai-notebooks", "ee3fa4a"),
    (213, "HF trainer_state.json a fourteenth time (not walked)", 0, 0, "hf-trainer-state", "ee3fa4a"),
    (214, "a loop's prints in notebooks a twenty-fourth time (not walked)", 0, 0, "loop-notebooks", "ee3fa4a"),
    (215, "Ultralytics results.csv a twenty-seventh time", 6, 8, "ultralytics", "ee3fa4a"),
    (216, "Keras fit output in notebooks a twenty-first time", 5, 6, "keras-notebooks", "ee3fa4a"),
    (217, "TensorBoard event files an eighteenth time", 4, 5, "tensorboard", "ee3fa4a"),
    (218, "fastai's notebook progress tables a tenth time", 7, 7, "fastai-notebooks", "ee3fa4a"),
)
TABLED = [
    (CORPUS.parent / f"real_logs_heldout{n}", _manifest(CORPUS.parent / f"real_logs_heldout{n}"))
    for n, *_ in TABLED_SETS
]
CORPORA = [
    (CORPUS, MANIFEST),
    (HELDOUT, HELDOUT_MANIFEST),
    (HELDOUT2, HELDOUT2_MANIFEST),
    (HELDOUT3, HELDOUT3_MANIFEST),
    (HELDOUT4, HELDOUT4_MANIFEST),
    (HELDOUT5, HELDOUT5_MANIFEST),
    (HELDOUT6, HELDOUT6_MANIFEST),
    (HELDOUT7, HELDOUT7_MANIFEST),
    (HELDOUT8, HELDOUT8_MANIFEST),
    (HELDOUT9, HELDOUT9_MANIFEST),
    (HELDOUT10, HELDOUT10_MANIFEST),
    (HELDOUT11, HELDOUT11_MANIFEST),
    (HELDOUT12, HELDOUT12_MANIFEST),
    (HELDOUT13, HELDOUT13_MANIFEST),
    (HELDOUT14, HELDOUT14_MANIFEST),
    (HELDOUT15, HELDOUT15_MANIFEST),
    (HELDOUT16, HELDOUT16_MANIFEST),
    (HELDOUT17, HELDOUT17_MANIFEST),
    (HELDOUT18, HELDOUT18_MANIFEST),
    (HELDOUT19, HELDOUT19_MANIFEST),
    (HELDOUT20, HELDOUT20_MANIFEST),
    (HELDOUT21, HELDOUT21_MANIFEST),
    (HELDOUT22, HELDOUT22_MANIFEST),
    (HELDOUT23, HELDOUT23_MANIFEST),
    (HELDOUT24, HELDOUT24_MANIFEST),
    (HELDOUT25, HELDOUT25_MANIFEST),
    (HELDOUT26, HELDOUT26_MANIFEST),
    (HELDOUT27, HELDOUT27_MANIFEST),
    (HELDOUT28, HELDOUT28_MANIFEST),
    (HELDOUT29, HELDOUT29_MANIFEST),
    (HELDOUT30, HELDOUT30_MANIFEST),
    (HELDOUT31, HELDOUT31_MANIFEST),
    (HELDOUT32, HELDOUT32_MANIFEST),
    (HELDOUT33, HELDOUT33_MANIFEST),
    (HELDOUT34, HELDOUT34_MANIFEST),
    (HELDOUT35, HELDOUT35_MANIFEST),
    (HELDOUT36, HELDOUT36_MANIFEST),
    (HELDOUT37, HELDOUT37_MANIFEST),
    (HELDOUT38, HELDOUT38_MANIFEST),
    (HELDOUT39, HELDOUT39_MANIFEST),
    (HELDOUT40, HELDOUT40_MANIFEST),
    (HELDOUT41, HELDOUT41_MANIFEST),
    (HELDOUT42, HELDOUT42_MANIFEST),
    (HELDOUT43, HELDOUT43_MANIFEST),
    (HELDOUT44, HELDOUT44_MANIFEST),
    (HELDOUT45, HELDOUT45_MANIFEST),
    (HELDOUT46, HELDOUT46_MANIFEST),
    (HELDOUT47, HELDOUT47_MANIFEST),
    (HELDOUT48, HELDOUT48_MANIFEST),
    (HELDOUT49, HELDOUT49_MANIFEST),
    (HELDOUT50, HELDOUT50_MANIFEST),
    (HELDOUT51, HELDOUT51_MANIFEST),
    (HELDOUT52, HELDOUT52_MANIFEST),
    (HELDOUT53, HELDOUT53_MANIFEST),
    (HELDOUT54, HELDOUT54_MANIFEST),
    (HELDOUT55, HELDOUT55_MANIFEST),
    (HELDOUT56, HELDOUT56_MANIFEST),
    (HELDOUT57, HELDOUT57_MANIFEST),
    (HELDOUT58, HELDOUT58_MANIFEST),
    (HELDOUT59, HELDOUT59_MANIFEST),
    (HELDOUT60, HELDOUT60_MANIFEST),
    (HELDOUT61, HELDOUT61_MANIFEST),
    (HELDOUT62, HELDOUT62_MANIFEST),
    (HELDOUT63, HELDOUT63_MANIFEST),
    (HELDOUT64, HELDOUT64_MANIFEST),
    (HELDOUT65, HELDOUT65_MANIFEST),
    (HELDOUT66, HELDOUT66_MANIFEST),
    (HELDOUT67, HELDOUT67_MANIFEST),
    (HELDOUT68, HELDOUT68_MANIFEST),
    (HELDOUT69, HELDOUT69_MANIFEST),
    (HELDOUT70, HELDOUT70_MANIFEST),
    (HELDOUT71, HELDOUT71_MANIFEST),
    (HELDOUT72, HELDOUT72_MANIFEST),
    (HELDOUT73, HELDOUT73_MANIFEST),
    (HELDOUT74, HELDOUT74_MANIFEST),
    (HELDOUT75, HELDOUT75_MANIFEST),
    (HELDOUT76, HELDOUT76_MANIFEST),
    (HELDOUT77, HELDOUT77_MANIFEST),
    (HELDOUT78, HELDOUT78_MANIFEST),
    (HELDOUT79, HELDOUT79_MANIFEST),
    (HELDOUT80, HELDOUT80_MANIFEST),
    (HELDOUT81, HELDOUT81_MANIFEST),
    (HELDOUT82, HELDOUT82_MANIFEST),
    (HELDOUT83, HELDOUT83_MANIFEST),
    (HELDOUT84, HELDOUT84_MANIFEST),
    (HELDOUT85, HELDOUT85_MANIFEST),
    (HELDOUT86, HELDOUT86_MANIFEST),
    (HELDOUT87, HELDOUT87_MANIFEST),
    (HELDOUT88, HELDOUT88_MANIFEST),
    (HELDOUT89, HELDOUT89_MANIFEST),
    (HELDOUT90, HELDOUT90_MANIFEST),
    (HELDOUT91, HELDOUT91_MANIFEST),
    (HELDOUT92, HELDOUT92_MANIFEST),
    (HELDOUT93, HELDOUT93_MANIFEST),
    (HELDOUT94, HELDOUT94_MANIFEST),
    (HELDOUT95, HELDOUT95_MANIFEST),
    (HELDOUT96, HELDOUT96_MANIFEST),
    (HELDOUT97, HELDOUT97_MANIFEST),
    (HELDOUT98, HELDOUT98_MANIFEST),
    (HELDOUT99, HELDOUT99_MANIFEST),
    (HELDOUT100, HELDOUT100_MANIFEST),
    (HELDOUT101, HELDOUT101_MANIFEST),
    (HELDOUT102, HELDOUT102_MANIFEST),
    (HELDOUT103, HELDOUT103_MANIFEST),
    (HELDOUT104, HELDOUT104_MANIFEST),
    (HELDOUT105, HELDOUT105_MANIFEST),
    (HELDOUT106, HELDOUT106_MANIFEST),
    (HELDOUT107, HELDOUT107_MANIFEST),
    (HELDOUT108, HELDOUT108_MANIFEST),
    (HELDOUT109, HELDOUT109_MANIFEST),
    (HELDOUT110, HELDOUT110_MANIFEST),
    (HELDOUT111, HELDOUT111_MANIFEST),
    (HELDOUT112, HELDOUT112_MANIFEST),
    (HELDOUT113, HELDOUT113_MANIFEST),
    (HELDOUT114, HELDOUT114_MANIFEST),
    (HELDOUT115, HELDOUT115_MANIFEST),
    (HELDOUT116, HELDOUT116_MANIFEST),
    (HELDOUT117, HELDOUT117_MANIFEST),
    (HELDOUT118, HELDOUT118_MANIFEST),
    (HELDOUT119, HELDOUT119_MANIFEST),
    (HELDOUT120, HELDOUT120_MANIFEST),
    (HELDOUT121, HELDOUT121_MANIFEST),
    (HELDOUT122, HELDOUT122_MANIFEST),
    (HELDOUT123, HELDOUT123_MANIFEST),
    (HELDOUT124, HELDOUT124_MANIFEST),
    (HELDOUT125, HELDOUT125_MANIFEST),
]
CORPORA += TABLED


def _label_rule() -> ModuleType:
    spec = importlib.util.spec_from_file_location("real_logs_label_rule", CORPUS / "label_rule.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def _git_blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


@pytest.mark.parametrize(("corpus", "manifest"), CORPORA)
def test_manifest_lists_every_log_once_with_its_source(corpus: Path, manifest: list[dict[str, str]]) -> None:
    on_disk = {p.name for p in corpus.iterdir() if p.name not in NOT_LOGS and p.name != "__pycache__"}
    listed = [entry["file"] for entry in manifest]
    assert len(listed) == len(set(listed))
    assert set(listed) == on_disk
    # issue 14: at least 30 real logs in the corpus, 10 in a held-out set; the ninth set stopped at 7 when the
    # session's budget of repositories to fetch ran out (the nineteenth's too), the seventeenth at 6 when its
    # collector's time did, the twenty-seventh at 6, the twenty-eighth at 5 and the thirty-second at 4
    # when their collectors' shares of that budget did, and the thirty-fourth to thirty-eighth at 5, 7, 5, 1 and 6
    # when theirs did (the thirty-third at 11, its probes walked to the end), the thirty-ninth at 4 when its
    # look-ups did; the fifty-fourth to sixty-first (2026-12-07) at 9, 7, 6, 3, 6, 4 and 7 and the sixty-second,
    # -third, -fifth and -sixth at 9, 4, 4 and 4 when their fetches or look-ups did, and the sixty-seventh to
    # seventy-fourth (but the seventy-third) at 7, 7, 3, 4, 3, 0 and 1 (the seventy-second: no file of the paths it
    # walked passed its shape rule), the seventy-fifth and seventy-seventh to eightieth at 7, 1, 2, 8 and 4, and the
    # eighty-second to eighty-eighth (but the eighty-first and -sixth) at 2, 2, 5, 1, 0 and 3: their probes, fixed
    # before a fetch tool fault, held few passing rows, or their fetches or look-ups ran out, and the ninetieth to
    # ninety-sixth at 1, 4, 3, 4, 5, 3 and 4 when their listed rows or fetches ran out, and the ninety-ninth to
    # hundred-and-first at 3, 8 and 6 when their look-ups or fetches did, and the hundred-and-second and -fourth
    # to -sixth at 7, 6, 4 and 5 when their fetches did, and the hundred-and-seventh to -fourteenth at 0, 2, 1, 6,
    # 1, 3, 2 and 4: most repositories holding their probe paths were already taken or checked by earlier sets, and
    # their fetches or look-ups ran out, and the hundred-and-sixteenth to -nineteenth at 8, 6, 3 and 4 when their
    # listed rows or fetches did, and the hundred-and-twentieth and -first at 6 and 0 when their fetches did (fastai's
    # default paths walked by earlier sets, 9 course copies passed over), and the hundred-and-twenty-second,
    # -fourth and -fifth at 6, 8 and 6 when their fetches or listed rows did, and the hundred-and-twenty-sixth to
    # thirtieth at 10, 4, 6, 4 and 6 when theirs did (READMEs)
    small = {HELDOUT9: 7, HELDOUT17: 6, HELDOUT19: 7, HELDOUT27: 6, HELDOUT28: 5, HELDOUT32: 4}
    small |= {HELDOUT34: 5, HELDOUT35: 7, HELDOUT36: 5, HELDOUT37: 1, HELDOUT38: 6, HELDOUT39: 4}
    small |= {HELDOUT44: 6, HELDOUT45: 9, HELDOUT47: 4, HELDOUT48: 4, HELDOUT49: 4, HELDOUT51: 8, HELDOUT53: 2}
    small |= {HELDOUT54: 9, HELDOUT55: 7, HELDOUT57: 6, HELDOUT58: 3, HELDOUT59: 6, HELDOUT60: 4, HELDOUT61: 7}
    small |= {HELDOUT62: 9, HELDOUT63: 4, HELDOUT65: 4, HELDOUT66: 4}
    small |= {HELDOUT67: 7, HELDOUT68: 7, HELDOUT69: 3, HELDOUT70: 4, HELDOUT71: 3, HELDOUT72: 0, HELDOUT74: 1}
    small |= {HELDOUT75: 7, HELDOUT77: 1, HELDOUT78: 2, HELDOUT79: 8, HELDOUT80: 4}
    small |= {HELDOUT82: 2, HELDOUT83: 2, HELDOUT84: 5, HELDOUT85: 1, HELDOUT87: 0, HELDOUT88: 3}
    small |= {HELDOUT90: 1, HELDOUT91: 4, HELDOUT92: 3, HELDOUT93: 4, HELDOUT94: 5, HELDOUT95: 3, HELDOUT96: 4}
    small |= {HELDOUT99: 3, HELDOUT100: 8, HELDOUT101: 6, HELDOUT102: 7, HELDOUT104: 6, HELDOUT105: 4, HELDOUT106: 5}
    small |= {HELDOUT107: 0, HELDOUT108: 2, HELDOUT109: 1, HELDOUT110: 6, HELDOUT111: 1, HELDOUT112: 3}
    small |= {HELDOUT113: 2, HELDOUT114: 4, HELDOUT116: 8, HELDOUT117: 6, HELDOUT118: 3, HELDOUT119: 4}
    small |= {HELDOUT120: 6, HELDOUT121: 0, HELDOUT122: 6, HELDOUT124: 8, HELDOUT125: 6}
    small |= {folder: files for (folder, _), (*_, files, _, _) in zip(TABLED, TABLED_SETS, strict=True)}
    assert len(listed) >= (30 if corpus == CORPUS else small.get(corpus, 10))
    for entry in manifest:
        assert entry["source_repo"].count("/") == 1, entry
        assert entry["source_path"] and len(entry["commit"]) == 40 and entry["licence"], entry
        assert entry["writer"] in {
            "hf_trainer_state",
            "lightning_csv",
            "keras_csv",
            "tensorboard",
            "mlflow",
            "json_lines",
            "wandb",
            "keras",  # the console output of Keras' fit, here in a notebook
            "hf_trainer",  # HF Trainer's progress table or printed logs, here in a notebook
            "loop",  # a hand-written loop's own per-epoch prints, in a text file or a notebook
            "fastai",  # fastai's Recorder table in a notebook, or its CSVLogger file
            "ultralytics_csv",  # Ultralytics YOLO's results.csv
            "pytorch_lightning_tqdm",  # Lightning's progress bar saved to a text file (console_logs/ names it so)
            "other",
        }
        assert entry["label"] in LABELS, entry


@pytest.mark.parametrize(("corpus", "manifest"), CORPORA)
def test_logs_are_byte_for_byte_copies_of_their_source(corpus: Path, manifest: list[dict[str, str]]) -> None:
    """The git blob id of each file is the one its source repository records for that path (an MLflow run
    folder: the blob ids of the metric files the rule reads, each one of the folder's files)."""
    for entry in manifest:
        path = corpus / entry["file"]
        if path.is_dir():
            held = {_git_blob_id(f.read_bytes()) for f in path.rglob("*") if f.is_file()}
            assert set(entry["git_blob"].split(";")) <= held, entry["file"]
            continue
        assert _git_blob_id(path.read_bytes()) == entry["git_blob"], entry["file"]


@pytest.mark.parametrize(("corpus", "manifest"), CORPORA)
def test_labels_are_what_the_written_rule_gives(corpus: Path, manifest: list[dict[str, str]]) -> None:
    rule = _label_rule()
    for entry in manifest:
        label, figures = rule.label(rule.read_curves(corpus / entry["file"]))
        assert label == entry["label"], f"{entry['file']}: rule says {label} ({figures})"


def test_the_rule_keeps_the_header_of_a_set_that_found_no_file(tmp_path: Path) -> None:
    """``label_rule.py --write`` on a header-only MANIFEST (the seventy-second set's) left it empty and crashed."""
    header = (HELDOUT72 / "MANIFEST.csv").read_text(encoding="utf-8")
    assert header.count("\n") == 1 and header.startswith("file,")
    (tmp_path / "MANIFEST.csv").write_text(header, encoding="utf-8")
    assert _label_rule().main([str(tmp_path), "--write"]) == 0
    assert (tmp_path / "MANIFEST.csv").read_text(encoding="utf-8") == header


@pytest.mark.parametrize("entry", MANIFEST, ids=[entry["file"] for entry in MANIFEST])
def test_real_log_is_read(entry: dict[str, str]) -> None:
    history = read_history(CORPUS / entry["file"])
    assert history is not None


@pytest.mark.parametrize("entry", HELDOUT_MANIFEST, ids=[entry["file"] for entry in HELDOUT_MANIFEST])
def test_held_out_log_is_read(entry: dict[str, str]) -> None:
    assert read_history(HELDOUT / entry["file"]) is not None


@pytest.mark.parametrize("entry", HELDOUT2_MANIFEST, ids=[entry["file"] for entry in HELDOUT2_MANIFEST])
def test_second_held_out_log_is_read_or_refused_clearly(entry: dict[str, str]) -> None:
    path = HELDOUT2 / entry["file"]
    if entry["file"] not in HELDOUT2_UNREADABLE:
        assert read_history(path) is not None
        return
    with pytest.raises(gapdoctor.GapdoctorInputError, match=r"holds no series gapdoctor can read \(ignored: .*loss"):
        read_history(path)


def test_a_mean_loss_without_a_validation_curve_is_read_as_nothing_to_judge() -> None:
    """A physics-informed network's Lightning log: five loss terms and their ``mean_loss``, no validation series.
    Refused before (no series read); its ``mean_loss`` is the training loss now, and the diagnosis says there is
    not enough to judge (no validation curve) rather than refusing the file."""
    path = HELDOUT2 / "pl_pinn_for_em_v45.csv"
    history = read_history(path)
    assert history.get("train_loss") is not None and history.n_points >= 4
    diagnosis = gapdoctor.diagnose(history=path)
    assert not diagnosis.judged
    assert any("no validation series" in (check.reason or "") for check in diagnosis.checks)


def test_a_file_with_only_a_test_row_reads_as_nothing_to_judge() -> None:
    """Lightning's metrics.csv after trainer.test() alone: one row, test_loss and test_acc (held-out log)."""
    path = HELDOUT / "pl_waste_classification_test_only_v0.csv"
    history = read_history(path)
    assert history.n_points == 0 and set(history.test) == {"test_loss", "test_accuracy"}
    diagnosis = gapdoctor.diagnose(history=path)
    assert not _judged(diagnosis) and not diagnosis.findings
    assert any("only test values were logged" in note for note in diagnosis.notes)


@dataclass(frozen=True)
class Outcome:
    """What gapdoctor said about one log, next to the label."""

    file: str
    writer: str
    label: str
    readable: bool
    verdict: str  # the cause reported first, "healthy", "not_enough" or "error: ..."

    @property
    def agrees(self) -> bool:
        return self.verdict == self.label


def _judged(diagnosis: Any) -> bool:
    judged = getattr(diagnosis, "judged", None)
    if judged is not None:
        return bool(judged)
    # before ``Diagnosis.judged`` exists: judged when at least one check ran
    return any(check.status == "ran" for check in diagnosis.checks)


def _verdict(diagnosis: Any) -> str:
    if not _judged(diagnosis):
        return "not_enough"
    top = diagnosis.top
    if top is None or top.weak:
        return "healthy"
    return str(top.cause)


def _outcome(entry: dict[str, str], corpus: Path = CORPUS) -> Outcome:
    """A log's verdict, and whether ``read_history`` reads it (diagnosing a path reads it first, so a log diagnosed
    is read: it is read a second time only when the diagnosis failed, to tell a refused read from a failed check)."""
    path = corpus / entry["file"]
    try:
        verdict = _verdict(gapdoctor.diagnose(history=path))
        readable = True
    except Exception as error:  # recorded in the table, not raised: the figure is the point
        verdict = f"error: {type(error).__name__}: {str(error)[:90]}"
        readable = _reads(path)
    return Outcome(entry["file"], entry["writer"], entry["label"], readable, verdict)


def _reads(path: Path) -> bool:
    try:
        read_history(path)
    except Exception:  # any failure to read is what is being measured
        return False
    return True


@pytest.fixture(scope="module")
def outcomes() -> list[Outcome]:
    return [_outcome(entry) for entry in MANIFEST]


def figures(outcomes: list[Outcome]) -> str:
    """Readable and agreeing counts, overall and by writer, as printed in benchmarks/RESULTS.md."""
    total = len(outcomes)
    lines = [
        f"readable: {sum(o.readable for o in outcomes)}/{total}; "
        f"verdict agrees: {sum(o.agrees for o in outcomes)}/{total}"
    ]
    for writer in sorted({o.writer for o in outcomes}):
        mine = [o for o in outcomes if o.writer == writer]
        lines.append(
            f"  {writer}: readable {sum(o.readable for o in mine)}/{len(mine)}, "
            f"agrees {sum(o.agrees for o in mine)}/{len(mine)}"
        )
    for label in LABELS:
        mine = [o for o in outcomes if o.label == label]
        lines.append(f"  labelled {label}: agrees {sum(o.agrees for o in mine)}/{len(mine)}")
    return "\n".join(lines)


def table(outcomes: list[Outcome]) -> str:
    """One line per log: file, writer, label, gapdoctor's verdict, agreement."""
    rows = [f"{'file':<46} {'writer':<16} {'label':<12} {'verdict':<40} ok"]
    for o in outcomes:
        rows.append(f"{o.file:<46} {o.writer:<16} {o.label:<12} {o.verdict[:40]:<40} {'yes' if o.agrees else 'NO'}")
    return "\n".join(rows)


def test_verdicts_agree_with_the_labels(outcomes: list[Outcome]) -> None:
    counts = Counter(o.agrees for o in outcomes)
    rate = counts[True] / len(outcomes)
    report = f"{figures(outcomes)}\n{table(outcomes)}"
    print(report)
    agreed = counts[True]
    assert agreed >= AGREEMENT_FLOOR, (
        f"verdicts agree on {agreed} real logs ({rate:.1%}, < {AGREEMENT_FLOOR}):\n{report}"
    )


def test_no_healthy_verdict_when_nothing_could_be_judged(outcomes: list[Outcome]) -> None:
    """A log labelled "not enough to judge" must never come back "healthy" (issue 14)."""
    wrong = [o for o in outcomes if o.label == "not_enough" and o.verdict == "healthy"]
    assert not wrong, table(wrong)


def _held_out(corpus: tuple[Path, list[dict[str, str]]], floor: int, name: str) -> list[Outcome]:
    """The outcomes of a held-out set, its agreement held to its own floor (never lowered to pass)."""
    outcomes = [_outcome(entry, corpus[0]) for entry in corpus[1]]
    agreed = sum(o.agrees for o in outcomes)
    assert agreed >= floor, f"{name}: {agreed} agree (< {floor}):\n{table(outcomes)}"
    return outcomes


def test_held_out_verdicts_agree_with_their_labels() -> None:
    """The logs collected after the checks were last tuned: their own floor, never lowered to pass."""
    outcomes = _held_out((HELDOUT, HELDOUT_MANIFEST), HELDOUT_FLOOR, "held-out")
    assert not [o for o in outcomes if o.label == "not_enough" and o.verdict == "healthy"], table(outcomes)


def test_second_held_out_verdicts_agree_with_their_labels() -> None:
    """The logs collected on 2026-12-05: their own floor, never lowered to pass."""
    outcomes = _held_out((HELDOUT2, HELDOUT2_MANIFEST), HELDOUT2_FLOOR, "second held-out")
    assert not [o for o in outcomes if o.label == "not_enough" and o.verdict == "healthy"], table(outcomes)


def test_third_held_out_verdicts_agree_with_their_labels() -> None:
    """The logs a helper collected blind on 2026-12-05: their own floor, never lowered to pass."""
    outcomes = _held_out((HELDOUT3, HELDOUT3_MANIFEST), HELDOUT3_FLOOR, "third held-out")
    assert all(o.readable for o in outcomes), table(outcomes)


def test_fourth_held_out_verdicts_agree_with_their_labels() -> None:
    """TensorBoard files and MLflow runs a helper collected blind on 2026-12-05: their own floor, never lowered."""
    outcomes = _held_out((HELDOUT4, HELDOUT4_MANIFEST), HELDOUT4_FLOOR, "fourth held-out")
    assert all(o.readable for o in outcomes), table(outcomes)


def test_fifth_held_out_verdicts_agree_with_their_labels() -> None:
    """Keras TensorBoard pairs and SummaryWriter files a helper collected blind on 2026-12-06: their own floor."""
    outcomes = _held_out((HELDOUT5, HELDOUT5_MANIFEST), HELDOUT5_FLOOR, "fifth held-out")
    assert all(o.readable for o in outcomes), table(outcomes)


def test_sixth_held_out_verdicts_agree_with_their_labels() -> None:
    """JSON-lines logs a helper collected blind on 2026-12-06: their own floor, never lowered to pass."""
    outcomes = _held_out((HELDOUT6, HELDOUT6_MANIFEST), HELDOUT6_FLOOR, "sixth held-out")
    assert all(o.readable for o in outcomes), table(outcomes)


def test_seventh_held_out_verdicts_agree_with_their_labels() -> None:
    """W&B run files a helper collected blind on 2026-12-06: their own floor, never lowered to pass."""
    outcomes = _held_out((HELDOUT7, HELDOUT7_MANIFEST), HELDOUT7_FLOOR, "seventh held-out")
    assert {o.file for o in outcomes if not o.readable} == HELDOUT7_UNREADABLE, table(outcomes)
    with pytest.raises(gapdoctor.GapdoctorInputError, match=r"holds no series gapdoctor can read \(ignored: forget_"):
        read_history(HELDOUT7 / "wandb_knowledge_tracing_mu.wandb")


def test_eighth_held_out_verdicts_agree_with_their_labels() -> None:
    """Notebooks (Keras fits, HF Trainer tables and printed logs) a helper collected blind on 2026-12-06."""
    outcomes = _held_out((HELDOUT8, HELDOUT8_MANIFEST), HELDOUT8_FLOOR, "eighth held-out")
    assert all(o.readable for o in outcomes), table(outcomes)


def test_ninth_held_out_verdicts_agree_with_their_labels() -> None:
    """Console output saved to text files (Keras' fit, HF Trainer's printed logs) a helper collected blind on
    2026-12-06: every one refused before (a CSV with a bad row, a merge-conflict marker in a Keras bar)."""
    outcomes = _held_out((HELDOUT9, HELDOUT9_MANIFEST), HELDOUT9_FLOOR, "ninth held-out")
    assert all(o.readable for o in outcomes), table(outcomes)


def test_tenth_held_out_verdicts_agree_with_their_labels() -> None:
    """A hand-written loop's own per-epoch prints (text files and notebooks, PyTorch's tutorials among them) a
    helper collected blind on 2026-12-06: their own floor, never lowered to pass."""
    outcomes = _held_out((HELDOUT10, HELDOUT10_MANIFEST), HELDOUT10_FLOOR, "tenth held-out")
    assert all(o.readable for o in outcomes), table(outcomes)


def test_eleventh_held_out_verdicts_agree_with_their_labels() -> None:
    """HF trainer_state.json, Lightning metrics.csv and Keras CSVLogger logs found on paths no earlier set walked,
    collected blind by a helper on 2026-12-06: their own floor, never lowered to pass."""
    outcomes = _held_out((HELDOUT11, HELDOUT11_MANIFEST), HELDOUT11_FLOOR, "eleventh held-out")
    assert all(o.readable for o in outcomes), table(outcomes)


def test_twelfth_held_out_verdicts_agree_with_their_labels() -> None:
    """A hand-written loop's own prints again (text files and notebooks on paths the tenth set did not walk), collected
    blind by a helper on 2026-12-06 after the tenth set had shaped the reader: their own floor, never lowered."""
    _held_out((HELDOUT12, HELDOUT12_MANIFEST), HELDOUT12_FLOOR, "twelfth held-out")


def test_thirteenth_held_out_verdicts_agree_with_their_labels() -> None:
    """A loop's own prints a third time (6 text files, 6 notebooks, on paths no earlier set walked), collected blind
    by a helper on 2026-12-06 after the twelfth set had shaped the reader: their own floor, never lowered."""
    _held_out((HELDOUT13, HELDOUT13_MANIFEST), HELDOUT13_FLOOR, "thirteenth held-out")


def test_fourteenth_held_out_verdicts_agree_with_their_labels() -> None:
    """A loop's own prints a fourth time (6 text files, 6 notebooks, on paths no earlier set walked), collected blind
    by a helper on 2026-12-06 after the thirteenth set had shaped the reader: their own floor, never lowered."""
    outcomes = _held_out((HELDOUT14, HELDOUT14_MANIFEST), HELDOUT14_FLOOR, "fourteenth held-out")
    assert {o.file for o in outcomes if not o.readable} == HELDOUT14_UNREADABLE, table(outcomes)


def test_fifteenth_held_out_verdicts_agree_with_their_labels() -> None:
    """HF trainer_state.json and Lightning metrics.csv as people log them (5 HF runs evaluated every N steps, 4
    Lightning files with learning-rate-monitor rows, 3 with test columns), collected blind by a helper on
    2026-12-06: every one read, their own floor, never lowered to pass."""
    outcomes = _held_out((HELDOUT15, HELDOUT15_MANIFEST), HELDOUT15_FLOOR, "fifteenth held-out")
    assert all(o.readable for o in outcomes), table(outcomes)


def test_sixteenth_held_out_verdicts_agree_with_their_labels() -> None:
    """Ultralytics YOLO results.csv (v5 and v8 layouts, padded names or not; detection, segmentation and
    classification runs), collected blind by a helper on 2026-12-06: every one read, their own floor."""
    outcomes = _held_out((HELDOUT16, HELDOUT16_MANIFEST), HELDOUT16_FLOOR, "sixteenth held-out")
    assert all(o.readable for o in outcomes), table(outcomes)


def test_seventeenth_held_out_verdicts_agree_with_their_labels() -> None:
    """Keras histories saved by hand (``json.dump(history.history)``; one with an extra scalar entry, refused before),
    collected blind by a helper on 2026-12-06: every one read, their own floor, never lowered to pass."""
    outcomes = _held_out((HELDOUT17, HELDOUT17_MANIFEST), HELDOUT17_FLOOR, "seventeenth held-out")
    assert all(o.readable for o in outcomes), table(outcomes)


def test_eighteenth_held_out_verdicts_agree_with_their_labels() -> None:
    """MLflow file-store runs (two of them logged partly without a step: 113 validation losses all at step 0 beside
    metrics logged at their epoch; a summary logged at step 0 after 61 epochs) and Lightning TensorBoard files,
    collected blind by a helper on 2026-12-06: every one read, their own floor, never lowered to pass."""
    outcomes = _held_out((HELDOUT18, HELDOUT18_MANIFEST), HELDOUT18_FLOOR, "eighteenth held-out")
    assert all(o.readable for o in outcomes), table(outcomes)


def test_nineteenth_held_out_verdicts_agree_with_their_labels() -> None:
    """HF trainer_state.json files of Whisper, wav2vec2 and ChatGLM fine-tunes evaluated on WER, CER, BLEU and
    ROUGE, collected blind by a helper on 2026-12-06 (7: its fetch budget ran out): every one read, their own floor."""
    outcomes = _held_out((HELDOUT19, HELDOUT19_MANIFEST), HELDOUT19_FLOOR, "nineteenth held-out")
    assert all(o.readable for o in outcomes), table(outcomes)


def test_twentieth_held_out_verdicts_agree_with_their_labels() -> None:
    """A hand-written loop's own prints a fifth time (4 text logs, 8 notebooks), collected blind by a helper on
    2026-12-06: every one read (two were not, blind: values ending in "...", and a metric's values per split,
    "(cost: train 0.70 test 0.65)"), their own floor, never lowered to pass."""
    outcomes = _held_out((HELDOUT20, HELDOUT20_MANIFEST), HELDOUT20_FLOOR, "twentieth held-out")
    assert all(o.readable for o in outcomes), table(outcomes)


def test_twenty_first_held_out_verdicts_agree_with_their_labels() -> None:
    """A hand-written loop's own prints a sixth time (5 text logs, 7 notebooks), collected blind by a helper on
    2026-12-06: every one read blind (10 of 12 agreed), their own floor, never lowered to pass."""
    outcomes = _held_out((HELDOUT21, HELDOUT21_MANIFEST), HELDOUT21_FLOOR, "twenty-first held-out")
    assert all(o.readable for o in outcomes), table(outcomes)


def test_twenty_second_held_out_verdicts_agree_with_their_labels() -> None:
    """Known writers' console output in notebooks a second time (9 Keras fits, 3 HF Trainer tables), collected blind
    by a helper on 2026-12-06: every one read blind (9 of 12 agreed), their own floor, never lowered to pass."""
    outcomes = _held_out((HELDOUT22, HELDOUT22_MANIFEST), HELDOUT22_FLOOR, "twenty-second held-out")
    assert all(o.readable for o in outcomes), table(outcomes)


def test_twenty_third_held_out_verdicts_agree_with_their_labels() -> None:
    """TensorBoard runs (6 Keras train/validation pairs, 3 Lightning, 2 YOLOv5 SummaryWriter, 1 HF Trainer), collected
    blind by a helper on 2026-12-06: every one read blind (7 of 12 agreed), their own floor, never lowered to pass."""
    outcomes = _held_out((HELDOUT23, HELDOUT23_MANIFEST), HELDOUT23_FLOOR, "twenty-third held-out")
    assert all(o.readable for o in outcomes), table(outcomes)


def test_twenty_fourth_held_out_verdicts_agree_with_their_labels() -> None:
    """A hand-written loop's own prints a seventh time (6 text logs, 6 notebooks), collected blind by a helper on
    2026-12-06 (10 of 12 agreed blind, one unread), their own floor, never lowered to pass."""
    _held_out((HELDOUT24, HELDOUT24_MANIFEST), HELDOUT24_FLOOR, "twenty-fourth held-out")


def test_twenty_fifth_held_out_verdicts_agree_with_their_labels() -> None:
    """Histories saved by hand from training loops (8 CSV, 4 JSON; 4 of them Keras histories), collected blind by a
    helper on 2026-12-06 (10 of 12 agreed blind, one unread), their own floor, never lowered to pass."""
    _held_out((HELDOUT25, HELDOUT25_MANIFEST), HELDOUT25_FLOOR, "twenty-fifth held-out")


def test_twenty_sixth_held_out_verdicts_agree_with_their_labels() -> None:
    """Lightning ``CSVLogger`` files on version folders and save dirs not walked before (step-level training rows,
    several validation metrics), collected blind by a helper on 2026-12-06 (10 of 12 agreed blind), their own floor,
    never lowered to pass."""
    outcomes = _held_out((HELDOUT26, HELDOUT26_MANIFEST), HELDOUT26_FLOOR, "twenty-sixth held-out")
    assert all(o.readable for o in outcomes), table(outcomes)


def test_twenty_seventh_held_out_verdicts_agree_with_their_labels() -> None:
    """Console output saved to text files a second time (4 loops' own prints, Keras ``fit``, Lightning bars),
    collected blind by a helper on 2026-12-06 (5 of 6 agreed blind; the fetch budget ended the walk at 6), their own
    floor, never lowered to pass."""
    outcomes = _held_out((HELDOUT27, HELDOUT27_MANIFEST), HELDOUT27_FLOOR, "twenty-seventh held-out")
    assert all(o.readable for o in outcomes), table(outcomes)


def test_twenty_eighth_held_out_verdicts_agree_with_their_labels() -> None:
    """JSON-lines logs a second time (3 DETR, 1 MAE-style, 1 loop's own ``.jsonl``), collected blind by a helper on
    2026-12-06 (5 of 5 agreed blind; the fetch budget ended the walk at 5), their own floor, never lowered to pass."""
    outcomes = _held_out((HELDOUT28, HELDOUT28_MANIFEST), HELDOUT28_FLOOR, "twenty-eighth held-out")
    assert all(o.readable for o in outcomes), table(outcomes)


def test_twenty_ninth_held_out_verdicts_agree_with_their_labels() -> None:
    """HF ``trainer_state.json`` files saved inside checkpoint folders (loss only, WER, accuracy, F1, token
    accuracy), collected blind by a helper on 2026-12-06 (8 of 10 agreed blind), their own floor, never lowered."""
    outcomes = _held_out((HELDOUT29, HELDOUT29_MANIFEST), HELDOUT29_FLOOR, "twenty-ninth held-out")
    assert all(o.readable for o in outcomes), table(outcomes)


def test_thirtieth_held_out_verdicts_agree_with_their_labels() -> None:
    """Keras ``CSVLogger`` files on paths no earlier set walked (``models/``, ``output/``, ``outputs/``,
    ``saved_models/`` ``training_log.csv``, ``model_log.csv``), collected blind by a helper on 2026-12-06 (10 of 11
    agreed blind), their own floor, never lowered to pass."""
    outcomes = _held_out((HELDOUT30, HELDOUT30_MANIFEST), HELDOUT30_FLOOR, "thirtieth held-out")
    assert all(o.readable for o in outcomes), table(outcomes)


def test_thirty_first_held_out_verdicts_agree_with_their_labels() -> None:
    """Ultralytics ``results.csv`` a second time (detection, segmentation, classification, pose and OBB runs),
    collected blind by a helper on 2026-12-06 (12 of 12 agreed blind), their own floor, never lowered to pass."""
    outcomes = _held_out((HELDOUT31, HELDOUT31_MANIFEST), HELDOUT31_FLOOR, "thirty-first held-out")
    assert all(o.readable for o in outcomes), table(outcomes)


def test_thirty_second_held_out_verdicts_agree_with_their_labels() -> None:
    """Histories saved by hand as one JSON object in shapes beyond ``{name: [values]}`` (a split's name alone, a
    wrapper of runs with plural names), collected blind by a helper on 2026-12-06 after the reader of those shapes
    was written (4 of 4 agreed blind on 0258f43; none readable on 5b317ad), their own floor, never lowered."""
    outcomes = _held_out((HELDOUT32, HELDOUT32_MANIFEST), HELDOUT32_FLOOR, "thirty-second held-out")
    assert all(o.readable for o in outcomes), table(outcomes)


def test_thirty_third_held_out_verdicts_agree_with_their_labels() -> None:
    """TensorBoard event files a third time (Keras train/validation pairs, an HF Trainer run, Lightning
    ``TensorBoardLogger`` versions, YOLOv5-family ``SummaryWriter`` loops), collected blind by a helper on 2026-12-06
    (6 of 11 agreed blind; of the five others, two labels the collector doubted), their own floor, never lowered."""
    outcomes = _held_out((HELDOUT33, HELDOUT33_MANIFEST), HELDOUT33_FLOOR, "thirty-third held-out")
    assert all(o.readable for o in outcomes), table(outcomes)


def test_thirty_fourth_held_out_verdicts_agree_with_their_labels() -> None:
    """Keras ``fit`` output kept in Jupyter notebooks a third time, collected blind by a helper on 2026-12-06 (4 of
    5 agreed blind), their own floor, never lowered to pass."""
    outcomes = _held_out((HELDOUT34, HELDOUT34_MANIFEST), HELDOUT34_FLOOR, "thirty-fourth held-out")
    assert all(o.readable for o in outcomes), table(outcomes)


def test_thirty_fifth_held_out_verdicts_agree_with_their_labels() -> None:
    """Weights & Biases run files a second time (``run-<id>.wandb`` and an old client's ``wandb-history.jsonl``),
    collected blind by a helper on 2026-12-06 (5 of 7 agreed blind), their own floor, never lowered to pass."""
    outcomes = _held_out((HELDOUT35, HELDOUT35_MANIFEST), HELDOUT35_FLOOR, "thirty-fifth held-out")
    assert all(o.readable for o in outcomes), table(outcomes)


def test_thirty_sixth_held_out_verdicts_agree_with_their_labels() -> None:
    """MLflow file-store runs a second time, collected blind by a helper on 2026-12-06 (5 of 5 agreed blind), their
    own floor, never lowered to pass."""
    outcomes = _held_out((HELDOUT36, HELDOUT36_MANIFEST), HELDOUT36_FLOOR, "thirty-sixth held-out")
    assert all(o.readable for o in outcomes), table(outcomes)


def test_thirty_seventh_held_out_verdicts_agree_with_their_labels() -> None:
    """A run whose validation metric is neither an accuracy nor a loss (macro F1 in a hand-written CSV), collected
    blind by a helper on 2026-12-06 (1 of 1 agreed blind; the walk's fetch budget ended it), its own floor."""
    outcomes = _held_out((HELDOUT37, HELDOUT37_MANIFEST), HELDOUT37_FLOOR, "thirty-seventh held-out")
    assert all(o.readable for o in outcomes), table(outcomes)


def test_thirty_eighth_held_out_verdicts_agree_with_their_labels() -> None:
    """Console output saved to text files a third time (a loop's own prints, Keras ``fit``), collected blind by a
    helper on 2026-12-06 (5 of 6 agreed blind), their own floor, never lowered to pass."""
    outcomes = _held_out((HELDOUT38, HELDOUT38_MANIFEST), HELDOUT38_FLOOR, "thirty-eighth held-out")
    assert all(o.readable for o in outcomes), table(outcomes)


def test_thirty_ninth_held_out_verdicts_agree_with_their_labels() -> None:
    """HF ``trainer_state.json`` a fifth time, on paths no earlier set walked (WER, accuracy, loss only), collected
    blind by a helper on 2026-12-06 (3 of 4 agreed blind), their own floor, never lowered to pass."""
    outcomes = _held_out((HELDOUT39, HELDOUT39_MANIFEST), HELDOUT39_FLOOR, "thirty-ninth held-out")
    assert all(o.readable for o in outcomes), table(outcomes)


def test_fortieth_held_out_verdicts_agree_with_their_labels() -> None:
    """Lightning ``CSVLogger`` files a third time, on version folders no earlier set walked, collected blind by a
    helper on 2026-12-06 (6 of 12 agreed blind on eae4d53; 8 after the frozen validation loss was read), their own
    floor, never lowered to pass."""
    outcomes = _held_out((HELDOUT40, HELDOUT40_MANIFEST), HELDOUT40_FLOOR, "fortieth held-out")
    assert all(o.readable for o in outcomes), table(outcomes)


# The sets helpers collected blind on 2026-12-07 (what each holds: beside its folder above), each held to its own floor
# (blind - 1), never lowered to pass; the id gives the blind figure, measured before the set was read.
COLLECTED_2026_12_07 = [
    pytest.param(HELDOUT41, HELDOUT41_MANIFEST, HELDOUT41_FLOOR, id="41-lightning-csv-7of12"),
    pytest.param(HELDOUT42, HELDOUT42_MANIFEST, HELDOUT42_FLOOR, id="42-tensorboard-9of10"),
    pytest.param(HELDOUT43, HELDOUT43_MANIFEST, HELDOUT43_FLOOR, id="43-ultralytics-11of12"),
    pytest.param(HELDOUT44, HELDOUT44_MANIFEST, HELDOUT44_FLOOR, id="44-loop-notebooks-5of6"),
    pytest.param(HELDOUT45, HELDOUT45_MANIFEST, HELDOUT45_FLOOR, id="45-keras-csv-7of9"),
    pytest.param(HELDOUT46, HELDOUT46_MANIFEST, HELDOUT46_FLOOR, id="46-lightning-csv-10of11"),
    pytest.param(HELDOUT47, HELDOUT47_MANIFEST, HELDOUT47_FLOOR, id="47-tensorboard-4of4"),
    pytest.param(HELDOUT48, HELDOUT48_MANIFEST, HELDOUT48_FLOOR, id="48-keras-csv-2of4"),
    pytest.param(HELDOUT49, HELDOUT49_MANIFEST, HELDOUT49_FLOOR, id="49-loop-notebooks-4of4"),
    pytest.param(HELDOUT50, HELDOUT50_MANIFEST, HELDOUT50_FLOOR, id="50-ultralytics-10of12"),
    pytest.param(HELDOUT51, HELDOUT51_MANIFEST, HELDOUT51_FLOOR, id="51-lightning-csv-7of8"),
    pytest.param(HELDOUT52, HELDOUT52_MANIFEST, HELDOUT52_FLOOR, id="52-ultralytics-10of12"),
    pytest.param(HELDOUT53, HELDOUT53_MANIFEST, HELDOUT53_FLOOR, id="53-console-text-2of2"),
    pytest.param(HELDOUT54, HELDOUT54_MANIFEST, HELDOUT54_FLOOR, id="54-lightning-csv-7of9"),
    pytest.param(HELDOUT55, HELDOUT55_MANIFEST, HELDOUT55_FLOOR, id="55-keras-csv-6of7"),
    pytest.param(HELDOUT56, HELDOUT56_MANIFEST, HELDOUT56_FLOOR, id="56-ultralytics-10of12"),
    pytest.param(HELDOUT57, HELDOUT57_MANIFEST, HELDOUT57_FLOOR, id="57-tensorboard-3of6"),
    pytest.param(HELDOUT58, HELDOUT58_MANIFEST, HELDOUT58_FLOOR, id="58-hf-trainer-state-3of3"),
    pytest.param(HELDOUT59, HELDOUT59_MANIFEST, HELDOUT59_FLOOR, id="59-keras-notebooks-5of6"),
    pytest.param(HELDOUT60, HELDOUT60_MANIFEST, HELDOUT60_FLOOR, id="60-json-lines-3of4"),
    pytest.param(HELDOUT61, HELDOUT61_MANIFEST, HELDOUT61_FLOOR, id="61-saved-histories-7of7"),
    pytest.param(HELDOUT62, HELDOUT62_MANIFEST, HELDOUT62_FLOOR, id="62-lightning-csv-7of9"),
    pytest.param(HELDOUT63, HELDOUT63_MANIFEST, HELDOUT63_FLOOR, id="63-keras-csv-3of4"),
    pytest.param(HELDOUT64, HELDOUT64_MANIFEST, HELDOUT64_FLOOR, id="64-ultralytics-11of12"),
    pytest.param(HELDOUT65, HELDOUT65_MANIFEST, HELDOUT65_FLOOR, id="65-tensorboard-3of4"),
    pytest.param(HELDOUT66, HELDOUT66_MANIFEST, HELDOUT66_FLOOR, id="66-loop-notebooks-3of4"),
    pytest.param(HELDOUT67, HELDOUT67_MANIFEST, HELDOUT67_FLOOR, id="67-lightning-csv-6of7"),
    pytest.param(HELDOUT68, HELDOUT68_MANIFEST, HELDOUT68_FLOOR, id="68-keras-csv-5of7"),
    pytest.param(HELDOUT69, HELDOUT69_MANIFEST, HELDOUT69_FLOOR, id="69-hf-trainer-state-2of3"),
    pytest.param(HELDOUT70, HELDOUT70_MANIFEST, HELDOUT70_FLOOR, id="70-mlflow-3of4"),
    pytest.param(HELDOUT71, HELDOUT71_MANIFEST, HELDOUT71_FLOOR, id="71-wandb-3of3"),
    pytest.param(HELDOUT73, HELDOUT73_MANIFEST, HELDOUT73_FLOOR, id="73-ultralytics-10of12"),
    pytest.param(HELDOUT74, HELDOUT74_MANIFEST, HELDOUT74_FLOOR, id="74-console-text-1of1"),
    pytest.param(HELDOUT75, HELDOUT75_MANIFEST, HELDOUT75_FLOOR, id="75-tensorboard-7of7"),
    pytest.param(HELDOUT76, HELDOUT76_MANIFEST, HELDOUT76_FLOOR, id="76-ultralytics-9of12"),
    pytest.param(HELDOUT77, HELDOUT77_MANIFEST, HELDOUT77_FLOOR, id="77-json-lines-1of1"),
    pytest.param(HELDOUT78, HELDOUT78_MANIFEST, HELDOUT78_FLOOR, id="78-keras-notebooks-2of2"),
    pytest.param(HELDOUT79, HELDOUT79_MANIFEST, HELDOUT79_FLOOR, id="79-saved-histories-7of8"),
    pytest.param(HELDOUT80, HELDOUT80_MANIFEST, HELDOUT80_FLOOR, id="80-loop-notebooks-2of4"),
    pytest.param(HELDOUT81, HELDOUT81_MANIFEST, HELDOUT81_FLOOR, id="81-ultralytics-10of12"),
    pytest.param(HELDOUT82, HELDOUT82_MANIFEST, HELDOUT82_FLOOR, id="82-lightning-csv-1of2"),
    pytest.param(HELDOUT83, HELDOUT83_MANIFEST, HELDOUT83_FLOOR, id="83-keras-csv-2of2"),
    pytest.param(HELDOUT84, HELDOUT84_MANIFEST, HELDOUT84_FLOOR, id="84-tensorboard-4of5"),
    pytest.param(HELDOUT85, HELDOUT85_MANIFEST, HELDOUT85_FLOOR, id="85-hf-trainer-state-1of1"),
    pytest.param(HELDOUT86, HELDOUT86_MANIFEST, HELDOUT86_FLOOR, id="86-saved-histories-7of10"),
    pytest.param(HELDOUT88, HELDOUT88_MANIFEST, HELDOUT88_FLOOR, id="88-mlflow-2of3"),
    pytest.param(HELDOUT89, HELDOUT89_MANIFEST, HELDOUT89_FLOOR, id="89-ultralytics-12of12"),
    pytest.param(HELDOUT90, HELDOUT90_MANIFEST, HELDOUT90_FLOOR, id="90-lightning-csv-1of1"),
    pytest.param(HELDOUT91, HELDOUT91_MANIFEST, HELDOUT91_FLOOR, id="91-keras-csv-4of4"),
    pytest.param(HELDOUT92, HELDOUT92_MANIFEST, HELDOUT92_FLOOR, id="92-hf-trainer-state-2of3"),
    pytest.param(HELDOUT93, HELDOUT93_MANIFEST, HELDOUT93_FLOOR, id="93-wandb-3of4"),
    pytest.param(HELDOUT94, HELDOUT94_MANIFEST, HELDOUT94_FLOOR, id="94-console-text-5of5"),
    pytest.param(HELDOUT95, HELDOUT95_MANIFEST, HELDOUT95_FLOOR, id="95-json-lines-2of3"),
    pytest.param(HELDOUT96, HELDOUT96_MANIFEST, HELDOUT96_FLOOR, id="96-loop-notebooks-2of4"),
    pytest.param(HELDOUT97, HELDOUT97_MANIFEST, HELDOUT97_FLOOR, id="97-ultralytics-12of12"),
    pytest.param(HELDOUT98, HELDOUT98_MANIFEST, HELDOUT98_FLOOR, id="98-saved-histories-9of10"),
    pytest.param(HELDOUT99, HELDOUT99_MANIFEST, HELDOUT99_FLOOR, id="99-tensorboard-3of3"),
    pytest.param(HELDOUT100, HELDOUT100_MANIFEST, HELDOUT100_FLOOR, id="100-keras-hf-notebooks-4of8"),
    pytest.param(HELDOUT101, HELDOUT101_MANIFEST, HELDOUT101_FLOOR, id="101-loop-prints-4of6"),
    pytest.param(HELDOUT102, HELDOUT102_MANIFEST, HELDOUT102_FLOOR, id="102-ultralytics-6of7"),
    pytest.param(HELDOUT103, HELDOUT103_MANIFEST, HELDOUT103_FLOOR, id="103-saved-histories-10of12"),
    pytest.param(HELDOUT104, HELDOUT104_MANIFEST, HELDOUT104_FLOOR, id="104-keras-notebooks-6of6"),
    pytest.param(HELDOUT105, HELDOUT105_MANIFEST, HELDOUT105_FLOOR, id="105-console-text-2of4"),
    pytest.param(HELDOUT106, HELDOUT106_MANIFEST, HELDOUT106_FLOOR, id="106-loop-notebooks-4of5"),
    pytest.param(HELDOUT108, HELDOUT108_MANIFEST, HELDOUT108_FLOOR, id="108-mlflow-2of2"),
    pytest.param(HELDOUT109, HELDOUT109_MANIFEST, HELDOUT109_FLOOR, id="109-lightning-csv-1of1"),
    pytest.param(HELDOUT110, HELDOUT110_MANIFEST, HELDOUT110_FLOOR, id="110-keras-csv-6of6"),
    pytest.param(HELDOUT111, HELDOUT111_MANIFEST, HELDOUT111_FLOOR, id="111-hf-trainer-state-0of1"),
    pytest.param(HELDOUT112, HELDOUT112_MANIFEST, HELDOUT112_FLOOR, id="112-wandb-3of3"),
    pytest.param(HELDOUT113, HELDOUT113_MANIFEST, HELDOUT113_FLOOR, id="113-json-lines-1of2"),
    pytest.param(HELDOUT114, HELDOUT114_MANIFEST, HELDOUT114_FLOOR, id="114-tensorboard-3of4"),
    pytest.param(HELDOUT115, HELDOUT115_MANIFEST, HELDOUT115_FLOOR, id="115-ultralytics-7of12"),
    pytest.param(HELDOUT116, HELDOUT116_MANIFEST, HELDOUT116_FLOOR, id="116-saved-histories-6of8"),
    pytest.param(HELDOUT117, HELDOUT117_MANIFEST, HELDOUT117_FLOOR, id="117-keras-notebooks-6of6"),
    pytest.param(HELDOUT118, HELDOUT118_MANIFEST, HELDOUT118_FLOOR, id="118-console-text-1of3"),
    pytest.param(HELDOUT119, HELDOUT119_MANIFEST, HELDOUT119_FLOOR, id="119-loop-notebooks-2of4"),
    pytest.param(HELDOUT120, HELDOUT120_MANIFEST, HELDOUT120_FLOOR, id="120-fastai-notebooks-5of6"),
    pytest.param(HELDOUT122, HELDOUT122_MANIFEST, HELDOUT122_FLOOR, id="122-fastai-notebooks-3of6"),
    pytest.param(HELDOUT123, HELDOUT123_MANIFEST, HELDOUT123_FLOOR, id="123-ultralytics-12of12"),
    pytest.param(HELDOUT124, HELDOUT124_MANIFEST, HELDOUT124_FLOOR, id="124-saved-histories-8of8"),
    pytest.param(HELDOUT125, HELDOUT125_MANIFEST, HELDOUT125_FLOOR, id="125-keras-hf-notebooks-5of6"),
]
COLLECTED_2026_12_07 += [
    pytest.param(folder, manifest, max(agreed - 1, 0), id=f"{n}-{tag}-{agreed}of{files}")
    for (folder, manifest), (n, _, agreed, files, tag, _) in zip(TABLED, TABLED_SETS, strict=True)
]


@pytest.mark.parametrize(("folder", "manifest", "floor"), COLLECTED_2026_12_07)
def test_sets_collected_on_2026_12_07_agree_with_their_labels(
    folder: Path, manifest: list[dict[str, str]], floor: int
) -> None:
    """Each set collected blind on 2026-12-07 agrees with its labels at least as often as its floor says, and every
    file of it is read."""
    outcomes = _held_out((folder, manifest), floor, folder.name)
    assert all(o.readable for o in outcomes if o.file not in REFUSED_2026_12_07), table(outcomes)


REFUSED_2026_12_07 = {"keras_image_denoising_autoencoder_nsarang.csv", "mlflow_pt_bert_data_augmentation"}
REFUSED_2026_12_07 |= {"loop_txt_dcc.log", "mlflow_id_v3_scrapper", "keras_majj_adl_eris_ml.csv"}
REFUSED_2026_12_07 |= {"loop_txt_kirankumaraswamy_computer_vision.log", "loop_txt_nba_correlation.log"}
"""Files of those sets refused with a clear error, each tested for what the error says (below; the MLflow run marked
deleted: tests/io/test_log_readers.py)."""


def test_a_loops_average_train_and_val_loss_are_the_splits_losses() -> None:
    """``====> Epoch: 3 Average train loss: 0.0160, Average val loss: 0.0151`` (held-out set 119's notebook, five
    models trained in turn by one loop): the qualifier hid the split, no run had a validation series and the notebook
    was refused as holding no training output. The last model's 5 epochs are read, its overfitting headlined."""
    path = HELDOUT119 / "loop_ipynb_massimomario_rnn_classifier.ipynb"
    history = read_history(path)
    assert history.get("val_loss").tolist() == [0.0006, 0.0007, 0.0009, 0.0012, 0.0012]  # type: ignore[union-attr]
    assert history.get("train_loss").tolist() == [0.0012, 0.0003, 0.0002, 0.0001, 0.0001]  # type: ignore[union-attr]
    assert any("5 training runs" in note and "cell 55" in note for note in history.notes), history.notes
    top = gapdoctor.diagnose(history=history).top
    assert top is not None and top.cause == "overfitting"


def test_a_loss_named_for_what_it_reconstructs_beside_its_valid_twin_is_the_loss() -> None:
    """``#Epoch 1: Reconstruct Loss: 0.3491, Valid Reconstruct Loss: 0.3323`` (held-out set 118: DEC's stacked
    autoencoder, five trainings in one log): the unprefixed training name was never paired with its ``Valid`` twin,
    and the log was refused as holding no series. The last training's 500 epochs are read, said."""
    history = read_history(HELDOUT118 / "loop_txt_dec_pytorch.log")
    val, train = history.get("val_loss"), history.get("train_loss")
    assert val is not None and train is not None and history.n_points == 501
    assert val[0] == pytest.approx(1.1715) and val[-1] == pytest.approx(0.1827) and train[-1] == pytest.approx(0.1315)
    assert any(
        "reconstruct loss (reconstruct_loss, valid_reconstruct_loss) read as the loss" in n for n in history.notes
    )
    assert any("diagnosed the last with validation values" in note for note in history.notes), history.notes


def test_a_log_opening_with_a_printed_configuration_is_refused_as_console_output_not_as_broken_json() -> None:
    """``loop_txt_dcc.log`` (held-out set 118) opens with Python's print of its configuration (``{'setup':
    'end2end', ...}``), then prints only per-batch losses and a kNN accuracy: it was refused as "not valid JSON ...
    the file was probably cut short", which sent the user after a fault the file does not have."""
    with pytest.raises(gapdoctor.GapdoctorInputError) as refused:
        read_history(HELDOUT118 / "loop_txt_dcc.log")
    said = str(refused.value)
    assert "holds no training output gapdoctor recognises" in said and "JSON" not in said, said
    assert "save its history as a CSV with one row per epoch" in said


def test_a_keras_csv_with_a_later_run_appended_under_the_first_header_is_refused_naming_it() -> None:
    """Three fits appended to one CSVLogger file; the later ones logged accuracy too (5 fields) and, appending,
    wrote no header of their own. Their columns cannot be named from the file: refused, saying why and where."""
    with pytest.raises(gapdoctor.GapdoctorInputError) as refused:
        gapdoctor.diagnose(history=HELDOUT63 / "keras_image_denoising_autoencoder_nsarang.csv")
    said = str(refused.value)
    assert "line 17 has 5 fields but the header has 3" in said and "epoch counter restarts at 0" in said
    assert "CSVLogger(append=True)" in said and "split the file at line 17" in said


def test_mlflow_values_logged_without_a_step() -> None:
    """Read as logged, the first run below had one evaluation (113 values at step 0) and the second two runs, the
    last of one evaluation (summaries at step 0 after step 60): both were "not enough to judge"."""
    unstepped = read_history(HELDOUT18 / "mlflow_inaki_ai_code")
    assert unstepped.n_points == 113 and unstepped.steps is not None and unstepped.steps.tolist() == list(range(1, 114))
    assert unstepped.get("val_loss")[0] == pytest.approx(0.6292820993591758)  # type: ignore[index]
    assert any("placed in the order logged on the steps" in note for note in unstepped.notes), unstepped.notes
    summaries = read_history(HELDOUT18 / "mlflow_mlp_har_activity")
    assert summaries.n_points == 61 and summaries.steps is not None and summaries.steps.tolist() == list(range(61))
    assert summaries.get("val_loss")[-1] == pytest.approx(0.16402454639827346)  # type: ignore[index]
    assert any("read as summaries" in note and "val_loss (3)" in note for note in summaries.notes), summaries.notes
    assert not any("runs" in note for note in summaries.notes), summaries.notes


def test_an_hf_progress_table_whose_epoch_column_repeats() -> None:
    """``hf_ipynb_llama2_fine_tune.ipynb``: four evaluations shown at epochs 0, 2, 2, 3 (each cut to a whole
    number); read by that column, the two at "2" were one point and the run had too few to judge."""
    history = read_history(HELDOUT8 / "hf_ipynb_llama2_fine_tune.ipynb")
    assert history.n_points == 4 and history.epochs is not None and history.epochs.tolist() == [1.0, 2.0, 3.0, 4.0]
    assert history.get("val_loss").tolist() == [1.667136, 1.658416, 1.656285, 1.656394]  # type: ignore[union-attr]
    assert any("Epoch column repeats (0, 2, 2, 3)" in note for note in history.notes), history.notes


def test_an_mmcv_log_with_one_training_line_per_epoch_keeps_every_evaluation() -> None:
    """``mmcv_openmmlabcamp_homeworks.log.json``: one training line per epoch, each at ``iter`` 10, so the
    iteration never goes back; its 24 validation lines collapsed to one before the epoch layout was read so."""
    history = read_history(HELDOUT6 / "mmcv_openmmlabcamp_homeworks.log.json")
    assert history.n_points == 24 and history.epochs is not None and history.epochs.tolist() == list(range(1, 25))


def test_mmengine_training_lines_without_iter_are_placed_by_their_step() -> None:
    """``mmengine_OpenMMlab_HW.json``: training lines with ``epoch`` and ``step`` but no ``iter``; the evaluation
    ``step`` counts epochs (10, 20, 30, 40). Read as iterations before, the training loss stopped at step 40."""
    history = read_history(HELDOUT6 / "mmengine_OpenMMlab_HW.json")
    assert history.epochs is not None and history.epochs.tolist() == [10.0, 20.0, 30.0, 40.0]
    loss = history.get("train_loss")
    assert loss is not None and loss[-1] < 0.5 * loss[0]  # the whole run's training, falling as logged


def test_an_mlflow_run_committed_in_a_project_folder_is_found_and_values_logged_without_a_step_are_in_order() -> None:
    """``mlflow_gesture_recognition``: ``mlruns/1/<run>/`` inside the folder (how a repository commits it), and
    every value of its 4 metrics written at step 0 (``log_metric`` without a step), 30 each: unreadable as a
    folder before, and one point per metric when pointed at the run."""
    history = read_history(HELDOUT4 / "mlflow_gesture_recognition")
    assert history.n_points == 30 and history.get("val_loss") is not None
    assert any("read in the order logged" in note for note in history.notes)
    assert read_history(HELDOUT4 / "mlflow_gesture_recognition" / "mlruns").n_points == 30


def test_a_keras_log_written_one_fit_call_per_epoch_reads_as_successive_epochs() -> None:
    """``keras_digit_recognizer.csv``: eight rows, every one at epoch 0 (``fit(epochs=1)`` in a loop, the CSV
    appended); averaged as one epoch before, which left nothing to judge."""
    history = read_history(HELDOUT3 / "keras_digit_recognizer.csv")
    assert history.n_points == 8 and history.get("train_loss") is not None
    assert any("read as successive epochs" in note for note in history.notes)
    assert gapdoctor.diagnose(history=HELDOUT3 / "keras_digit_recognizer.csv").judged


if __name__ == "__main__":  # python -m tests.io.test_real_logs: the figures for benchmarks/RESULTS.md
    for corpus, manifest in CORPORA:
        results = [_outcome(entry, corpus) for entry in manifest]
        print(f"== {corpus.name}")
        print(figures(results))
        print(table(results))


def test_the_cli_refuses_the_appended_keras_csv_in_one_line_exiting_2() -> None:
    from tests.helpers import run_cli

    result = run_cli("diagnose", "--history", str(HELDOUT63 / "keras_image_denoising_autoencoder_nsarang.csv"))
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "split the file at line 17" in result.stderr


def test_the_cli_refuses_the_log_opening_with_a_printed_configuration_in_one_line_exiting_2() -> None:
    from tests.helpers import run_cli

    result = run_cli("diagnose", "--history", str(HELDOUT118 / "loop_txt_dcc.log"))
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "holds no training output" in result.stderr
