"""The public names of the integrations, and the install hint when a framework is missing."""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import gapdoctor
import gapdoctor.integrations


def test_exported_names() -> None:
    assert gapdoctor.integrations.__all__ == ["Recorder"]
    for module, names in (
        ("gapdoctor.integrations.lightning", ["GapdoctorCallback"]),
        ("gapdoctor.integrations.transformers", ["GapdoctorCallback"]),
        ("gapdoctor.integrations.keras", ["GapdoctorCallback"]),
        ("gapdoctor.integrations.torch_loop", ["Monitor", "RowIndexed"]),
    ):
        assert importlib.import_module(module).__all__ == names  # importing never needs the framework


@pytest.mark.parametrize(
    ("module", "framework", "extra"),
    [
        ("gapdoctor.integrations.lightning", "lightning.pytorch", "lightning"),
        ("gapdoctor.integrations.transformers", "transformers", "transformers"),
        ("gapdoctor.integrations.keras", "keras", "keras"),
    ],
)
def test_missing_framework_names_the_extra(module: str, framework: str, extra: str) -> None:
    try:
        importlib.import_module(framework)
    except ImportError:
        with pytest.raises(ImportError, match=rf"pip install 'gapdoctor\[{extra}\]'"):
            importlib.import_module(module).GapdoctorCallback  # noqa: B018
    else:
        assert importlib.import_module(module).GapdoctorCallback.__name__ == "GapdoctorCallback"
    with pytest.raises(AttributeError):
        importlib.import_module(module).NoSuchName  # noqa: B018


def test_readme_lines_work_after_a_plain_import_gapdoctor() -> None:
    """``import gapdoctor`` imports no framework, yet the README's callback lines work as written."""
    for framework in ("torch", "lightning", "transformers", "keras"):
        pytest.importorskip(framework)
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    classes = re.findall(r"doctor = (gapdoctor\.integrations\.\w+\.GapdoctorCallback)\(", readme)
    assert len(classes) == 3, "the README shows the Lightning, HF Transformers and Keras lines"
    lines = [f"{name}()" for name in classes]  # the snippets themselves run in tests/integrations/test_*_readme.py
    script = "\n".join(
        [
            "import sys",
            "import gapdoctor",
            "heavy = {'torch', 'lightning', 'transformers', 'keras', 'gapdoctor.integrations'} & set(sys.modules)",
            "assert not heavy, heavy",
            *(f"print(type({line}).__mro__[1].__module__)" for line in lines),
            "print(gapdoctor.torch.Monitor.__name__, gapdoctor.integrations.Recorder.__name__)",
        ]
    )
    env = {**os.environ, "PYTHONPATH": str(Path(gapdoctor.__file__).parent.parent), "KERAS_BACKEND": "torch"}
    env["PYTHONWARNINGS"] = "ignore"
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    bases = done.stdout.split()
    assert bases[:3] == [
        "lightning.pytorch.callbacks.callback",
        "transformers.trainer_callback",
        "keras.src.callbacks.callback",
    ]
    assert bases[3:] == ["Monitor", "Recorder"]


def test_unknown_attributes_still_raise_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_thing"):
        gapdoctor.no_such_thing  # noqa: B018
    with pytest.raises(AttributeError, match="no_such_adapter"):
        gapdoctor.integrations.no_such_adapter  # noqa: B018
