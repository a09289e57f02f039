"""Every real log the tests hold, damaged as files get damaged (cut short, bytes overwritten, a block lost):
read, or refused with gapdoctor's one error class naming the file, never another exception.

Each log is damaged one way, the ways taken in turn over the sorted logs, so that every writer's files meet every
damage while the test's cost grows with the corpus once, not three times (1,300 logs by the forty-sixth session)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from gapdoctor.errors import GapdoctorInputError
from gapdoctor.io import read_history

DATA = Path(__file__).resolve().parents[1] / "data"
NOT_LOGS = {".md", ".py", ".npz", ".jsonl"}
LOGS = sorted(
    p
    for p in DATA.rglob("*")
    if p.is_file() and p.suffix.lower() not in NOT_LOGS and p.name != "MANIFEST.csv" and p.stat().st_size < 3 << 20
)


def _damaged(data: bytes, how: str, rng: random.Random) -> bytes:
    if how == "cut":
        return data[: rng.randrange(1, len(data))]
    damaged = bytearray(data)
    if how == "overwritten":
        for _ in range(rng.randint(1, 8)):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
    else:  # a block lost
        start = rng.randrange(len(damaged))
        del damaged[start : start + rng.randrange(1, 200)]
    return bytes(damaged)


def test_the_logs_are_found() -> None:
    """The walk finds the committed logs of every writer (a moved folder must not empty this test)."""
    assert len(LOGS) >= 500
    assert {".csv", ".json", ".ipynb", ".txt", ".wandb"} <= {p.suffix.lower() for p in LOGS}
    assert any("tfevents" in p.name for p in LOGS)


DAMAGES = ("cut", "overwritten", "block lost")


def test_every_damage_meets_every_kind_of_log() -> None:
    """Taken in turn, each damage still falls on logs of every kind of which the corpus holds ten or more."""
    kinds: dict[str, list[str]] = {}
    for number, log in enumerate(LOGS):
        kind = "tfevents" if "tfevents" in log.name else log.suffix.lower()
        kinds.setdefault(kind, []).append(DAMAGES[number % len(DAMAGES)])
    assert {".csv", ".json", ".ipynb", ".txt", "tfevents"} <= {kind for kind, met in kinds.items() if len(met) >= 10}
    assert all(set(met) == set(DAMAGES) for met in kinds.values() if len(met) >= 10), kinds


@pytest.mark.parametrize("how", DAMAGES)
def test_a_damaged_log_is_read_or_refused_clearly(tmp_path: Path, how: str) -> None:
    rng = random.Random(f"damaged logs: {how}")
    escaped = []
    for number, log in enumerate(LOGS):
        if DAMAGES[number % len(DAMAGES)] != how:
            continue
        data = log.read_bytes()
        if len(data) < 3:
            continue
        damaged = tmp_path / f"{number}_{log.name}"  # the name kept: it tells the writer (tfevents, .wandb)
        damaged.write_bytes(_damaged(data, how, rng))
        try:
            read_history(damaged)
        except GapdoctorInputError as error:
            assert damaged.name in str(error), error
        except Exception as error:  # any other exception is the failure this test looks for
            escaped.append(f"{log.relative_to(DATA)}: {type(error).__name__}: {error}")
        damaged.unlink()
    assert not escaped, "\n".join(escaped[:20])
