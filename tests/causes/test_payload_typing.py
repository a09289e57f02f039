"""A typo in a payload field is a type error: experiments and figures read payloads by attribute,
and mypy (strict, as CI runs it on src/) refuses a field that does not exist."""

from __future__ import annotations

from pathlib import Path

import pytest

api = pytest.importorskip("mypy.api")

READER = """
from gapdoctor.causes.payload import payload_of
from gapdoctor.causes.pseudo_label_noise.result import NoiseBySource
from gapdoctor.findings import Finding


def blamed(finding: Finding) -> str:
    result = payload_of(finding)
    assert isinstance(result, NoiseBySource)
    return result.{field}
"""


@pytest.mark.parametrize(("field", "fails"), [("noisiest_source", False), ("noisy_source", True)])
def test_mypy_refuses_a_misspelt_payload_field(tmp_path: Path, field: str, fails: bool) -> None:
    module = tmp_path / "reader.py"
    module.write_text(READER.format(field=field), encoding="utf-8")
    out, err, status = api.run(["--strict", "--no-incremental", "--follow-imports=silent", str(module)])
    assert (status != 0) is fails, out + err
    assert ('has no attribute "noisy_source"' in out) is fails
