"""The HTML report, rendered for real runs and opened in a real headless Chromium.

Each page is loaded by Chromium (``scripts/install-chromium.sh``; the tests skip without
it): the rendered DOM must hold the verdict, the ranking, the first fix and a figure per
finding, with no console message and no injected element; a screenshot must show them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer
from threadpoolctl import threadpool_limits

import gapdoctor
from gapdoctor.bench.training import train_by_epoch
from gapdoctor.causes.vocabulary import cause_info
from gapdoctor.demo import run_demo
from gapdoctor.findings import Diagnosis
from gapdoctor.report import plots
from gapdoctor.report.figure_registry import figures_of
from gapdoctor.report.gains import lead_fix
from gapdoctor.report.html import render_html
from tests.report.figure_scenarios import every_figure_kind
from tests.report.html_scenarios import (
    HOSTILE,
    HOSTILE_ATTR,
    MATH,
    healthy_run,
    overfitting_run,
    scaled_split,
    step_schedule_run,
)
from tests.seeds import each_seed

CHROMIUM = shutil.which(os.environ.get("GAPDOCTOR_CHROMIUM", "") or "chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="chromium is not installed: run scripts/install-chromium.sh (Debian: apt-get install chromium)",
)
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--enable-logging=stderr",
    "--v=0",
]


# --------------------------------------------------------------------------- the browser
@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node] = field(default_factory=list)
    text: list[str] = field(default_factory=list)

    def iter(self) -> Any:
        yield self
        for child in self.children:
            yield from child.iter()

    def all_text(self) -> str:
        return "".join(self.text) if self.tag == "#text" else "".join(c.all_text() for c in self.children)

    def find_all(self, tag: str | None = None, css: str | None = None) -> list[Node]:
        return [
            n
            for n in self.iter()
            if (tag is None or n.tag == tag) and (css is None or css in n.attrs.get("class", "").split())
        ]

    def by_id(self, ident: str) -> Node:
        found = [n for n in self.iter() if n.attrs.get("id") == ident]
        assert len(found) == 1, f"expected one element with id={ident!r}, found {len(found)}"
        return found[0]


class _TreeBuilder(HTMLParser):
    VOID = frozenset({"meta", "br", "img", "input", "link", "hr", "area", "base", "col", "embed", "source", "wbr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in self.VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Node(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(Node("#text", {}, text=[data]))  # kept in document order


def parse_dom(markup: str) -> Node:
    builder = _TreeBuilder()
    builder.feed(markup)
    builder.close()
    return builder.root


@dataclass
class Opened:
    dom: Node
    console: list[str]
    screenshot: Path


def open_in_chromium(page: Path, *, height: int = 6000) -> Opened:
    """Load the page in headless Chromium: its rendered DOM, console messages and a screenshot."""
    assert CHROMIUM is not None
    profile = page.parent / f"{page.stem}-profile"
    common = [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--window-size=1200,{height}"]
    screenshot = page.with_suffix(".png")
    try:  # one load: the DOM goes to stdout, the screenshot to a file
        loaded = subprocess.run(
            [*common, "--dump-dom", f"--screenshot={screenshot}", page.as_uri()],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"Chromium hung on {page.name}: an injected script may have opened a dialog (alert)")
    console = [line for line in loaded.stderr.splitlines() if ":CONSOLE" in line]
    assert screenshot.is_file(), loaded.stderr[-2000:]
    return Opened(dom=parse_dom(loaded.stdout), console=console, screenshot=screenshot)


def screenshot_colors(path: Path, top: int | None = None) -> set[tuple[int, int, int]]:
    from PIL import Image

    with Image.open(path) as image:
        rgb = image.convert("RGB")
        if top is not None:
            rgb = rgb.crop((0, 0, rgb.width, top))
        return {tuple(c[1]) for c in (rgb.getcolors(maxcolors=1 << 20) or [])}  # type: ignore[misc]


def hex_rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


# --------------------------------------------------------------------------- rendered pages
SCENARIOS = ("demo", "overfitting", "healthy", "step_schedule", "every_figure_kind")


@pytest.fixture(scope="module")
def diagnoses(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Diagnosis]:
    logs = tmp_path_factory.mktemp("logs")
    return {
        "demo": run_demo().diagnosis,
        "overfitting": overfitting_run(),
        "healthy": healthy_run(),
        "step_schedule": step_schedule_run(logs),
        "every_figure_kind": every_figure_kind(),
    }


@pytest.fixture(scope="module")
def pages(diagnoses: dict[str, Diagnosis], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("reports")
    return {name: d.to_html(out / f"{name}.html") for name, d in diagnoses.items()}


@pytest.fixture(scope="module")
def opened(pages: dict[str, Path]) -> dict[str, Opened]:
    if CHROMIUM is None:
        pytest.skip("chromium is not installed: run scripts/install-chromium.sh")
    return {name: open_in_chromium(path) for name, path in pages.items()}


def test_scenarios_diagnose_what_they_inject(diagnoses: dict[str, Diagnosis]) -> None:
    assert diagnoses["demo"].top is not None and not diagnoses["demo"].healthy
    # reported, not necessarily first: checks merged later may name a root cause that explains it
    assert "overfitting" in {f.cause for f in diagnoses["overfitting"].reported}
    assert diagnoses["healthy"].healthy and diagnoses["step_schedule"].healthy
    assert len(diagnoses["every_figure_kind"].reported) == 8


@each_seed
def test_trained_scenarios_diagnose_what_they_inject_on_every_seed(seed: int, tmp_path: Path) -> None:
    """The trained runs behind the pages tell their story on every seed, not only on seed 0."""
    assert "overfitting" in {f.cause for f in overfitting_run(seed).reported}
    assert healthy_run(seed).healthy and step_schedule_run(tmp_path, seed).healthy


def _figures_in(section: Node) -> list[Node]:
    return [n for n in section.find_all("svg") if "plot" in n.attrs.get("class", "").split()]


@needs_chromium
@pytest.mark.parametrize("name", SCENARIOS)
def test_report_opens_in_chromium(name: str, diagnoses: dict[str, Diagnosis], opened: dict[str, Opened]) -> None:
    diagnosis, page = diagnoses[name], opened[name]
    assert page.console == [], f"console messages: {page.console}"
    dom = page.dom
    assert dom.by_id("verdict").all_text() == diagnosis.verdict()
    ranking = dom.by_id("ranking")
    assert len(ranking.find_all("tbody")[0].find_all("tr")) == len(diagnosis.findings) if diagnosis.findings else True
    first_fix = dom.by_id("first-fix").all_text()
    if diagnosis.healthy:
        assert "Nothing to fix" in first_fix
        assert len(_figures_in(dom.by_id("curves"))) == 1  # the curves are still shown
    else:
        lead = lead_fix(diagnosis)  # the top-ranked finding's, unless another gains more
        assert lead is not None and (lead.finding.fixes or cause_info(lead.finding.cause).fixes)[0] in first_fix
    for i, finding in enumerate(diagnosis.findings, 1):
        section = dom.by_id(f"finding-{i}")
        assert finding.summary in section.all_text()
        plotted = [draw() for _, draw in figures_of(finding, diagnosis) or []]  # its maker's, by payload type
        if any(svg and 'class="plot"' in svg for svg in plotted):
            assert _figures_in(section), f"no figure for finding {i} ({finding.cause})"
    checks = dom.by_id("checks").all_text()
    assert all(c.name in checks for c in diagnosis.checks)
    # nothing executable, nothing loaded
    assert dom.find_all("script") == [] and dom.find_all("img") == []
    assert not [(n.tag, a) for n in dom.iter() for a in n.attrs if a.startswith("on")]


@needs_chromium
@pytest.mark.parametrize("name", SCENARIOS)
def test_key_elements_are_visible_in_the_screenshot(
    name: str, diagnoses: dict[str, Diagnosis], opened: dict[str, Opened]
) -> None:
    top_colors = screenshot_colors(opened[name].screenshot, top=700)
    callout = "#eef8f1" if diagnoses[name].healthy else "#fff8e6"
    assert hex_rgb(callout) in top_colors, "the first-fix callout is not on the first screen"
    assert hex_rgb("#c0392b" if not diagnoses[name].healthy else "#2e8b57") in top_colors  # verdict bar
    colors = screenshot_colors(opened[name].screenshot)
    assert hex_rgb(plots.TRAIN_COLOR) in colors and hex_rgb(plots.VAL_COLOR) in colors, "no curve drawn"


@needs_chromium
def test_hostile_strings_render_as_text(opened: dict[str, Opened]) -> None:
    dom = opened["every_figure_kind"].dom
    text = dom.all_text()
    assert HOSTILE in dom.by_id("finding-1").all_text()  # summary, evidence key, class names
    assert HOSTILE_ATTR in dom.by_id("checks").all_text()
    svg_text = "".join(t.all_text() for t in dom.find_all("text"))
    assert HOSTILE in svg_text and MATH in svg_text  # feature / class names inside the figures
    assert text.count(HOSTILE) >= 10
    assert dom.find_all("script") == [] and dom.find_all("img") == []
    step = opened["step_schedule"].dom  # the history file name itself is hostile
    assert HOSTILE_ATTR in step.find_all("p", css="inputs")[0].all_text()
    assert step.find_all("img") == []


def test_every_figure_kind_is_drawn(pages: dict[str, Path]) -> None:
    page = pages["every_figure_kind"].read_text(encoding="utf-8")
    assert 'class="figure-error"' not in page
    dom = parse_dom(page)
    labels = {n.attrs["aria-label"] for n in dom.find_all("svg")}
    expected = {
        "Training curves",
        "Estimated label noise",
        "Label noise rate per source",
        "Validation f1 by decision threshold",
        "Reliability diagram",
        "Validation metric with its interval band",
        "Metric per class or group",
        "Confusion matrix",
        "Feature distributions in train and validation",
    }
    assert expected <= labels
    assert len(dom.find_all("section", css="finding")) == 8
    suspects = [t for t in dom.find_all("table") if "suggested label" in t.all_text()]
    assert suspects and len(suspects[0].find_all("tbody")[0].find_all("tr")) == 15
    assert "differs" in page  # the pipeline_bug mapping table
    experiment = dom.find_all("p", css="experiment")
    assert len(experiment) == 1 and "Experiment — confirmed: drop the" in experiment[0].all_text()


def test_page_is_self_contained_and_small(pages: dict[str, Path]) -> None:
    for name, path in pages.items():
        page = path.read_text(encoding="utf-8")
        assert path.stat().st_size < 2_000_000, name
        dom = parse_dom(page)
        refs = [v for n in dom.iter() for k, v in n.attrs.items() if k in {"src", "href", "xlink:href"}]
        assert all(r.startswith(("#", "data:")) for r in refs), refs
        assert "<script" not in page and "<link" not in page and "@import" not in page
        assert "url(http" not in page.replace(" ", "")


def test_svg_text_is_escaped_by_matplotlib() -> None:
    edges = [0.0, 1.0, 2.0]
    svg = plots.features_svg(
        [
            {
                "name": HOSTILE,
                "bin_edges": edges,
                "train": [0.5, 0.5],
                "val": [0.2, 0.8],
                "statistic": 0.3,
                "label": "<b>KS</b>",
            },
            {"name": MATH, "bin_edges": edges, "train": [0.5, 0.5], "val": [0.2, 0.8]},
        ]
    )
    tree = ET.fromstring(svg)  # well-formed XML: nothing broke out of a text node or attribute
    texts = ["".join(t.itertext()) for t in tree.iter("{http://www.w3.org/2000/svg}text")]
    assert HOSTILE in texts and MATH in texts
    assert "<b>KS</b> = 0.3" in texts
    assert not [e for e in tree.iter() if e.tag.endswith(("script", "img", "foreignObject"))]
    assert "<script>" not in svg


def test_user_matplotlib_settings_neither_leak_in_nor_change() -> None:
    import matplotlib as mpl
    import matplotlib.pyplot as plt

    backend, figures_before = mpl.get_backend(), plt.get_fignums()
    with mpl.rc_context({"svg.fonttype": "path", "lines.linewidth": 9.0, "axes.facecolor": "#123456"}):
        before = dict(mpl.rcParams)
        svg = plots.metric_band_svg(
            {"epochs": [1, 2, 3], "values": [0.5, 0.6, 0.62], "low": [0.4, 0.5, 0.5], "high": [0.6, 0.7, 0.72]}
        )
        assert dict(mpl.rcParams) == before
    assert "<text" in svg  # the report's own settings (text kept as text) won over the user's
    assert "stroke-width: 9" not in svg and "#123456" not in svg
    assert mpl.get_backend() == backend and plt.get_fignums() == figures_before  # no pyplot figure left behind


def test_import_gapdoctor_does_not_import_matplotlib() -> None:
    code = "import sys, gapdoctor; print('matplotlib' in sys.modules)"
    env = {**os.environ, "PYTHONPATH": str(Path(gapdoctor.__file__).parents[1])}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert result.stdout.strip() == "False"


def test_cli_writes_the_html_report(tmp_path: Path) -> None:
    X_train, X_val, y_train, y_val = scaled_split(*load_breast_cancer(return_X_y=True), train_size=200)
    with threadpool_limits(limits=1):
        run = train_by_epoch(X_train, y_train, X_val, y_val, epochs=60, hidden=(256,), lr=3e-3, seed=0)
    history = tmp_path / "history.csv"
    names = list(run.history)
    lines = [",".join(["epoch", *names])]
    lines += [",".join([str(i + 1), *(str(run.history[n][i]) for n in names)]) for i in range(60)]
    history.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "report.html"
    env = {**os.environ, "PYTHONPATH": str(Path(gapdoctor.__file__).parents[1])}
    result = subprocess.run(
        [sys.executable, "-m", "gapdoctor", "diagnose", "--history", str(history), "--html", str(out)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode in (0, 1), result.stderr
    page = out.read_text(encoding="utf-8")
    assert 'id="verdict"' in page and 'class="plot"' in page and "history.csv" in page


def test_ids_are_unique_in_a_page_with_many_figures(pages: dict[str, Path]) -> None:
    dom = parse_dom(pages["every_figure_kind"].read_text(encoding="utf-8"))
    ids = [n.attrs["id"] for n in dom.iter() if "id" in n.attrs]
    assert len(dom.find_all("svg")) >= 9
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})[:10]
    links = [v for n in dom.iter() for k, v in n.attrs.items() if k in {"xlink:href", "href"}]
    referenced = {v[1:] for v in links if v.startswith("#")}
    clips = {v[5:-1] for n in dom.iter() for k, v in n.attrs.items() if k == "clip-path"}
    assert (referenced | clips) - {"finding-" + str(i) for i in range(1, 20)} <= set(ids)


def test_a_diagnosis_of_nothing_still_explains_itself() -> None:
    diagnosis = gapdoctor.diagnose()
    dom = parse_dom(render_html(diagnosis))
    assert dom.by_id("verdict").all_text() == diagnosis.verdict()
    assert diagnosis.verdict().startswith("Not enough to judge")  # never "healthy" from zero checks
    first = dom.by_id("first-fix").all_text()
    assert "Nothing to fix" not in first and "no check could run" in first and "history" in first
    assert "nothing was judged" in dom.by_id("ranking").all_text()
    checks = dom.by_id("checks").all_text()
    assert f"0 ran, {len(diagnosis.checks)} skipped, 0 errored" in checks
    assert diagnosis.checks and all(c.reason and c.reason in checks for c in diagnosis.checks)
    assert dom.find_all("svg") == []


def test_a_class_name_with_a_lone_surrogate_is_written(tmp_path: Path) -> None:
    # a label read from a non-UTF-8 folder name (os.listdir gives '\udcff'); to_html raised UnicodeEncodeError
    y = np.array(["cat", "\udcff"] * 15)
    probs = np.tile([0.6, 0.4], (30, 1))
    diagnosis = gapdoctor.diagnose(y_train=y, y_val=y, train_probs=probs, val_probs=probs)
    text = diagnosis.to_html(tmp_path / "r.html").read_text(encoding="utf-8")
    assert "\\udcff" in text
