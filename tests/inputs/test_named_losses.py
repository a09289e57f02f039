"""The HF Trainer's named evaluation sets (``eval_dataset={"name": ds}``) read as the validation set.

``hf_merilion.json`` (held-out set 139, an Alpaca LoRA fine-tune's ``trainer_state.json``) logs its evaluations as
``eval_yahma/alpaca-cleaned_loss`` (the set named by its hub id): main read no validation series and said so (not
enough to judge), asking for ``--metric yahma_alpaca_cleaned_loss --higher-is-better``. ``hf_trainer_state_viz.json``
(held-out set 2) evaluates six named groups, ``eval_g0_*`` ... ``eval_g5_*``: the first is read, the others said.
"""

from __future__ import annotations

from pathlib import Path

import gapdoctor
from gapdoctor.inputs.named_losses import named_eval_sets
from gapdoctor.io import read_history

DATA = Path(__file__).resolve().parents[1] / "data"
MERILION = DATA / "real_logs_heldout139" / "hf_merilion.json"
GROUPS = DATA / "real_logs_heldout2" / "hf_trainer_state_viz.json"


def test_a_set_named_by_its_hub_id_is_the_validation_set() -> None:
    history = read_history(MERILION)
    val = history.get("val_loss")
    assert val is not None and val.round(4).tolist()[:3] == [1.6846, 1.583, 1.5514]
    assert history.unit == "step" and history.steps is not None and history.steps[:3].tolist() == [100, 200, 300]
    assert any("evaluation set 'yahma/alpaca-cleaned'" in note for note in history.notes), history.notes
    diagnosis = gapdoctor.diagnose(history=history)
    assert diagnosis.judged and not any("direction" in note for note in diagnosis.notes), diagnosis.notes


def test_of_several_named_sets_the_first_is_read_and_the_others_said() -> None:
    history = read_history(GROUPS)
    val = history.get("val_accuracy")
    assert val is not None and round(float(val[0]), 4) == 0.7082  # eval_g0_accuracy's first value
    said = [note for note in history.notes if "evaluation set 'g0'" in note]
    assert said and "(g1, g2, g3, g4, g5) not used" in said[0], history.notes


def test_names_without_the_trainers_runtime_are_not_taken_for_a_named_set() -> None:
    assert named_eval_sets(["eval_squad_loss", "eval_squad_f1"]) == ({}, ())
    read, _ = named_eval_sets(["eval_a_loss", "eval_a_runtime", "eval_a_b_loss", "eval_a_b_runtime"])
    assert read == {"eval_a_loss": "val_loss"}  # a longer set's names are not the first set's
