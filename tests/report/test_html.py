"""The HTML report, rendered for real runs and opened in a real headless Chromium.

Scenarios: the demo (a real MLP on digits with flipped labels), an overfitting run on
breast cancer, a healthy run on digits, a torch run with a step learning-rate schedule,
and a diagnosis carrying every ``Finding.data`` key of DATA_SCHEMA, computed from real
scikit-learn fits (the checks that produce them live on other branches) with hostile
strings in every user-controlled place. Chromium: ``scripts/install-chromium.sh``.
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
from scipy.stats import ks_2samp
from sklearn.datasets import load_breast_cancer, load_digits, load_wine
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import confusion_matrix, f1_score
from sklearn.model_selection import cross_val_predict, train_test_split
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

import gapdoctor
from gapdoctor.bench.training import train_by_epoch
from gapdoctor.causes import cause_info
from gapdoctor.demo import run_demo
from gapdoctor.findings import CheckRun, Diagnosis, Finding, rank
from gapdoctor.report import plots
from gapdoctor.report.html import render_html
from gapdoctor.stats import binomial_interval

HOSTILE = "<script>alert(1)</script>"
HOSTILE_ATTR = '"><img src=x onerror=alert(2)>'
MATH = "cost $x^2$ (USD)"

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
        return "".join(self.text) + "".join(c.all_text() for c in self.children)

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
        self.stack[-1].text.append(data)


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


def open_in_chromium(page: Path, *, height: int = 2200) -> Opened:
    """Load the page in headless Chromium: its rendered DOM, console messages and a screenshot."""
    assert CHROMIUM is not None
    profile = page.parent / f"{page.stem}-profile"
    common = [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--window-size=1200,{height}"]
    dumped = subprocess.run(
        [*common, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120, check=True
    )
    screenshot = page.with_suffix(".png")
    shot = subprocess.run(
        [*common, f"--screenshot={screenshot}", page.as_uri()], capture_output=True, text=True, timeout=120, check=True
    )
    console = [line for line in (dumped.stderr + shot.stderr).splitlines() if ":CONSOLE" in line]
    return Opened(dom=parse_dom(dumped.stdout), console=console, screenshot=screenshot)


def screenshot_colors(path: Path, top: int | None = None) -> set[tuple[int, int, int]]:
    from PIL import Image

    with Image.open(path) as image:
        rgb = image.convert("RGB")
        if top is not None:
            rgb = rgb.crop((0, 0, rgb.width, top))
        return {tuple(c[1]) for c in (rgb.getcolors(maxcolors=1 << 20) or [])}  # type: ignore[misc]


def hex_rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


# --------------------------------------------------------------------------- scenarios
def _scaled_split(X: Any, y: Any, train_size: int, seed: int = 0) -> tuple[Any, Any, Any, Any]:
    X_train, X_val, y_train, y_val = train_test_split(X, y, train_size=train_size, stratify=y, random_state=seed)
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_val), y_train, y_val


def overfitting_run() -> Diagnosis:
    X_train, X_val, y_train, y_val = _scaled_split(*load_breast_cancer(return_X_y=True), train_size=200)
    with threadpool_limits(limits=1):
        run = train_by_epoch(X_train, y_train, X_val, y_val, epochs=80, hidden=(256,), lr=3e-3, seed=0)
    return gapdoctor.diagnose(
        history=run.history, X_train=X_train, y_train=y_train, X_val=X_val, y_val=y_val, val_probs=run.val_probs
    )


def healthy_run() -> Diagnosis:
    X_train, X_val, y_train, y_val = _scaled_split(*load_digits(return_X_y=True), train_size=1000)
    with threadpool_limits(limits=1):
        run = train_by_epoch(X_train, y_train, X_val, y_val, epochs=15, hidden=(64,), alpha=1e-2, seed=0)
    return gapdoctor.diagnose(
        history=run.history, X_train=X_train, y_train=y_train, X_val=X_val, y_val=y_val, val_probs=run.val_probs
    )


def step_schedule_run(log_dir: Path) -> Diagnosis:
    """A torch loop with StepLR, its history written as CSV under a hostile file name."""
    torch = pytest.importorskip("torch")
    X_train, X_val, y_train, y_val = _scaled_split(*load_digits(return_X_y=True), train_size=400)
    torch.manual_seed(0)
    torch.set_num_threads(1)
    model = torch.nn.Sequential(torch.nn.Linear(64, 256), torch.nn.ReLU(), torch.nn.Linear(256, 10))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    schedule = torch.optim.lr_scheduler.StepLR(optimizer, step_size=10, gamma=0.2)
    xt, yt = torch.tensor(X_train, dtype=torch.float32), torch.tensor(y_train)
    xv, yv = torch.tensor(X_val, dtype=torch.float32), torch.tensor(y_val)
    rows = ["epoch,train_loss,val_loss,train_accuracy,val_accuracy,lr"]
    for epoch in range(1, 31):
        lr = optimizer.param_groups[0]["lr"]
        model.train()
        for batch in torch.randperm(len(xt)).split(32):
            optimizer.zero_grad()
            torch.nn.functional.cross_entropy(model(xt[batch]), yt[batch]).backward()
            optimizer.step()
        schedule.step()
        model.eval()
        with torch.no_grad():
            logits_t, logits_v = model(xt), model(xv)
            figures = [
                torch.nn.functional.cross_entropy(logits_t, yt).item(),
                torch.nn.functional.cross_entropy(logits_v, yv).item(),
                (logits_t.argmax(1) == yt).float().mean().item(),
                (logits_v.argmax(1) == yv).float().mean().item(),
            ]
        rows.append(",".join(str(v) for v in [epoch, *figures, lr]))
    path = log_dir / f"{HOSTILE_ATTR}.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return gapdoctor.diagnose(history=path, metric="accuracy")


def every_schema_key() -> Diagnosis:
    """Findings carrying every DATA_SCHEMA key, from real fits, with hostile user strings."""
    rng = np.random.default_rng(0)
    findings: list[Finding] = []
    with threadpool_limits(limits=1):
        # label noise on digits: 20% flipped, noise matrix from out-of-fold predictions
        X, y = load_digits(return_X_y=True)
        X = X[:600] / 16.0
        y = y[:600]
        noisy = y.copy()
        flipped = rng.choice(len(y), size=120, replace=False)
        noisy[flipped] = (y[flipped] + rng.integers(1, 10, size=120)) % 10
        probs = cross_val_predict(LogisticRegression(max_iter=300), X, noisy, cv=3, method="predict_proba")
        estimate = probs.argmax(1)
        classes = [str(c) for c in range(10)]
        classes[3] = HOSTILE
        suspects = np.flatnonzero(estimate != noisy)
        suspects = suspects[np.argsort(-probs[suspects, estimate[suspects]])]
        groups_of_source = np.where(np.arange(600) < 300, "human", f"pseudo {HOSTILE}")
        sources = []
        for source in ("human", f"pseudo {HOSTILE}"):
            rows = groups_of_source == source
            wrong = int((estimate[rows] != noisy[rows]).sum())
            low, high = binomial_interval(wrong, int(rows.sum()))
            sources.append(
                {"source": source, "n": int(rows.sum()), "noise_rate": wrong / rows.sum(), "low": low, "high": high}
            )
        findings.append(
            Finding(
                cause="label_noise",
                score=0.93,
                summary=f"{len(suspects)} training labels look wrong; class {HOSTILE} is the most confused.",
                evidence={"flagged": len(suspects), HOSTILE: HOSTILE_ATTR},
                fixes=("Inspect and relabel the flagged rows, most suspicious first.",),
                rows=tuple(int(r) for r in suspects),
                check="label_noise.confident_learning",
                data={
                    "noise_matrix": {"classes": classes, "counts": confusion_matrix(noisy, estimate).tolist()},
                    "suspects": [
                        {
                            "row": int(r),
                            "given": classes[noisy[r]],
                            "suggested": classes[estimate[r]],
                            "confidence": float(probs[r, estimate[r]]),
                        }
                        for r in suspects[:50]
                    ],
                },
            )
        )
        findings.append(
            Finding(
                cause="pseudo_label_noise",
                score=0.7,
                summary="The pseudo-labelled source carries most of the noise.",
                check="pseudo_label_noise.sources",
                data={"sources": sources},
            )
        )
        # metric mismatch on breast cancer: F1 against the threshold, reliability bins
        Xb, yb = load_breast_cancer(return_X_y=True)
        Xb = StandardScaler().fit_transform(Xb)
        pb = cross_val_predict(LogisticRegression(C=0.01, max_iter=300), Xb, yb, cv=3, method="predict_proba")[:, 1]
        thresholds = np.linspace(0.05, 0.95, 37)
        values = [f1_score(yb, pb >= t) for t in thresholds]
        bins = np.clip((pb * 10).astype(int), 0, 9)
        used = [b for b in range(10) if (bins == b).any()]
        findings.append(
            Finding(
                cause="metric_mismatch",
                score=0.66,
                summary="Tuning the decision threshold gains F1 the loss never asked for.",
                check="metric_mismatch.threshold",
                data={
                    "threshold_curve": {
                        "thresholds": thresholds.tolist(),
                        "values": values,
                        "metric": "f1",
                        "default_threshold": 0.5,
                        "best_threshold": float(thresholds[np.argmax(values)]),
                    },
                    "reliability": {
                        "confidence": [float(pb[bins == b].mean()) for b in used],
                        "accuracy": [float(yb[bins == b].mean()) for b in used],
                        "count": [int((bins == b).sum()) for b in used],
                    },
                },
            )
        )
        # small validation set / subgroups: per-epoch accuracy of a real run on 120 rows
        Xd, Xv, yd, yv = _scaled_split(*load_digits(return_X_y=True), train_size=500)
        Xv, yv = Xv[:120], yv[:120]
        run = train_by_epoch(Xd, yd, Xv, yv, epochs=20, hidden=(32,), seed=0)
        accuracy = run.history["val_accuracy"]
        band = [binomial_interval(round(a * len(yv)), len(yv)) for a in accuracy]
        findings.append(
            Finding(
                cause="small_validation_set",
                score=0.58,
                summary="120 validation rows: the interval is wider than any change after epoch 5.",
                check="small_validation_set.interval",
                data={
                    "metric_band": {
                        "epochs": list(range(1, 21)),
                        "values": accuracy,
                        "low": [b[0] for b in band],
                        "high": [b[1] for b in band],
                        "metric": "accuracy",
                    }
                },
            )
        )
        predicted = run.val_probs.argmax(1)
        groups = []
        for c in range(10):
            rows = yv == c
            right = int((predicted[rows] == c).sum())
            low, high = binomial_interval(right, int(rows.sum()))
            groups.append(
                {
                    "group": classes[c],
                    "kind": "class",
                    "n": int(rows.sum()),
                    "value": right / rows.sum(),
                    "low": low,
                    "high": high,
                    "metric": "recall",
                }
            )
        findings.append(
            Finding(
                cause="subgroup_failure",
                score=0.55,
                summary=f"Class {HOSTILE} is recognised far less often than the others.",
                check="subgroup_failure.per_class",
                data={
                    "groups": groups,
                    "confusion": {
                        "classes": classes,
                        "counts": confusion_matrix(yv, predicted, labels=range(10)).tolist(),
                    },
                },
            )
        )
        # shift on wine: validation = the high-alcohol rows
        wine = load_wine()
        names = list(wine.feature_names)
        names[0] = HOSTILE
        high_alcohol = wine.data[:, 0] > np.median(wine.data[:, 0])
        features = []
        for j in range(wine.data.shape[1]):
            a, b = wine.data[~high_alcohol, j], wine.data[high_alcohol, j]
            edges = np.histogram_bin_edges(wine.data[:, j], bins=15)
            features.append(
                {
                    "name": names[j],
                    "bin_edges": edges.tolist(),
                    "train": np.histogram(a, edges, density=True)[0].tolist(),
                    "val": np.histogram(b, edges, density=True)[0].tolist(),
                    "statistic": float(ks_2samp(a, b).statistic),
                    "label": "KS",
                }
            )
        features.sort(key=lambda f: -float(f["statistic"]))
        features[1]["name"] = MATH
        findings.append(
            Finding(
                cause="distribution_shift",
                score=0.8,
                summary=f"Validation rows differ from training rows, most in {HOSTILE}.",
                check="distribution_shift.domain_classifier",
                data={"features": features[:6]},
            )
        )
        findings.append(
            Finding(
                cause="pipeline_bug",
                score=0.6,
                summary="Validation labels are encoded in a different order.",
                check="pipeline_bug.label_mapping",
                data={
                    "mapping": {"classes": classes[:4], "val_label_to_true": [classes[1], classes[0], *classes[2:4]]}
                },
            )
        )
    curves = {k: list(map(float, v)) for k, v in run.history.items()}
    curves["lr"] = [0.01] * 8 + [0.001] * 12
    findings.append(
        Finding(
            cause="optimization",
            score=0.52,
            summary="Progress stalled after the learning-rate cut.",
            check="optimization.curves",
            data={"markers": {"lr_cut_epoch": 9, "stall_epoch": 11, HOSTILE: 4}},
        )
    )
    checks = [
        CheckRun("label_noise.confident_learning", "label_noise", "ran", n_findings=1, seconds=0.2),
        CheckRun("leakage.duplicates", "preprocessing_leakage", "skipped", reason=f"no X_train given {HOSTILE}"),
        CheckRun("search_noise.trials", "search_noise", "errored", reason=f"ValueError('{HOSTILE_ATTR}')"),
    ]
    return Diagnosis(
        findings=rank(findings),
        checks=checks,
        inputs={"metric": "accuracy", "n_classes": 10, "history": {"epochs": 20, "source": f"/logs/{HOSTILE}.csv"}},
        notes=(f"Group ids were not given for {HOSTILE}.",),
        curves=curves,
    )


# --------------------------------------------------------------------------- rendered pages
SCENARIOS = ("demo", "overfitting", "healthy", "step_schedule", "every_schema_key")


@pytest.fixture(scope="module")
def diagnoses(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Diagnosis]:
    logs = tmp_path_factory.mktemp("logs")
    return {
        "demo": run_demo().diagnosis,
        "overfitting": overfitting_run(),
        "healthy": healthy_run(),
        "step_schedule": step_schedule_run(logs),
        "every_schema_key": every_schema_key(),
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
    assert diagnoses["overfitting"].reported[0].cause == "overfitting"
    assert diagnoses["healthy"].healthy
    assert diagnoses["every_schema_key"].reported[0].cause == "distribution_shift"  # label noise is explained


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
        top = diagnosis.reported[0]
        assert (top.fixes or cause_info(top.cause).fixes)[0] in first_fix
    for i, finding in enumerate(diagnosis.findings, 1):
        section = dom.by_id(f"finding-{i}")
        assert finding.summary in section.all_text()
        drawable = set(finding.data) - {"suspects", "mapping"} or finding.cause in {"overfitting", "optimization"}
        if drawable:
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
    dom = opened["every_schema_key"].dom
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


def test_every_schema_key_is_drawn(pages: dict[str, Path]) -> None:
    page = pages["every_schema_key"].read_text(encoding="utf-8")
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

    with mpl.rc_context({"svg.fonttype": "path", "lines.linewidth": 9.0, "axes.facecolor": "black"}):
        before = dict(mpl.rcParams)
        svg = plots.metric_band_svg(
            {
                "epochs": [1, 2, 3],
                "values": [0.5, 0.6, 0.62],
                "low": [0.4, 0.5, 0.5],
                "high": [0.6, 0.7, 0.72],
                "metric": "accuracy",
            }
        )
        assert dict(mpl.rcParams) == before
    assert "<text" in svg and "#000000" not in svg.split("</defs>")[-1][:2000]


def test_a_figure_that_cannot_be_drawn_becomes_a_note() -> None:
    broken = Finding(
        cause="metric_mismatch", score=0.8, summary="broken data", data={"threshold_curve": {"values": [1]}}
    )
    page = render_html(Diagnosis(findings=[broken], checks=[]))
    assert 'class="figure-error"' in page and "could not be drawn" in page
    assert 'id="first-fix"' in page and "broken data" in page


def test_import_gapdoctor_does_not_import_matplotlib() -> None:
    code = "import sys, gapdoctor; print('matplotlib' in sys.modules)"
    env = {**os.environ, "PYTHONPATH": str(Path(gapdoctor.__file__).parents[1])}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert result.stdout.strip() == "False"


def test_cli_writes_the_html_report(tmp_path: Path) -> None:
    X_train, X_val, y_train, y_val = _scaled_split(*load_breast_cancer(return_X_y=True), train_size=200)
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
