"""The HTML report: one self-contained file, every user string escaped."""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING

from gapdoctor.causes import cause_info

if TYPE_CHECKING:
    from gapdoctor.findings import Diagnosis

__all__ = ["render_html", "write_html"]

_STYLE = """
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{font-size:1.4rem} .weak{color:#888} table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
section{margin:1.5rem 0;padding:1rem;border:1px solid #ddd;border-radius:.4rem}
.score{font-variant-numeric:tabular-nums}
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def render_html(diagnosis: Diagnosis) -> str:
    """Render the diagnosis as one self-contained HTML page (no script, no network)."""
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<title>gapdoctor report</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1 id='verdict'>{_e(diagnosis.verdict())}</h1>",
    ]
    if diagnosis.findings:
        parts.append("<table id='ranking'><tr><th>#</th><th>cause</th><th>score</th><th>reason</th></tr>")
        for i, f in enumerate(diagnosis.findings, 1):
            cls = " class='weak'" if f.weak else ""
            parts.append(
                f"<tr{cls}><td>{i}</td><td>{_e(f.cause)}</td><td class='score'>{f.score:.2f}</td>"
                f"<td>{_e(f.summary)}</td></tr>"
            )
        parts.append("</table>")
    top = diagnosis.reported[0] if diagnosis.reported else None
    if top is not None and top.fixes:
        parts.append(f"<p id='first-fix'><strong>First fix to try:</strong> {_e(top.fixes[0])}</p>")
    for f in diagnosis.reported:
        parts.append(f"<section class='finding'><h2>{_e(cause_info(f.cause).title)} ({f.score:.2f})</h2>")
        parts.append(f"<p>{_e(f.summary)}</p><table>")
        parts.extend(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in f.evidence.items())
        parts.append("</table><ol>")
        parts.extend(f"<li>{_e(fix)}</li>" for fix in f.fixes)
        parts.append("</ol></section>")
    parts.append("<section id='checks'><h2>Checks</h2><table>")
    parts.extend(
        f"<tr><td>{_e(c.name)}</td><td>{_e(c.status)}</td><td>{_e(c.reason)}</td></tr>" for c in diagnosis.checks
    )
    parts.append("</table></section></body></html>")
    return "\n".join(parts)


def write_html(diagnosis: Diagnosis, path: Path) -> Path:
    """Write :func:`render_html` to ``path``."""
    path.write_text(render_html(diagnosis), encoding="utf-8")
    return path
