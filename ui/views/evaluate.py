"""Eval: run the eval set against the answers (with a progress bar), or open the latest run."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import streamlit as st

from eval.run import EVAL_DIR, run_eval
from ui.common import ensure_index, md_text, settings

RUNS = EVAL_DIR / "runs"
CASES = EVAL_DIR / "cases.jsonl"
METRICS = [("fact_recall", "fact recall"), ("right_source_rate", "right source"), ("quote_validity", "quotes valid"),
           ("refusal_accuracy", "unanswerable refused"), ("false_refusal_rate", "false refusals"),
           ("hit_at_1", "retrieval hit@1"), ("latency_p95_s", "latency p95 (s)")]


@st.cache_data(max_entries=512, show_spinner=False)
def _record(metrics: str, mtime: float) -> dict | None:
    """A run's record, read once per version of its metrics.json (not on every rerun of the page)."""
    try:
        record = json.loads(Path(metrics).read_text(encoding="utf-8")).get("run")
    except (OSError, ValueError):
        return None  # a run being written, or a damaged one: not offered
    return record if isinstance(record, dict) and "mode" in record and "n_cases" in record else None


def _runs() -> list[tuple[Path, dict]]:
    """Answer-eval runs, newest first, with their run record (feature-eval runs are left out)."""
    found = []
    for metrics in RUNS.glob("*/metrics.json"):
        mtime = metrics.stat().st_mtime
        if (record := _record(str(metrics), mtime)) is not None:
            found.append((mtime, metrics.parent, record))
    return [(run, record) for _, run, record in sorted(found, key=lambda f: f[0], reverse=True)]


def _pick(runs: list[tuple[Path, dict]]) -> Path:
    """A run to show: by default the newest run of this page's question set."""
    labels = {run: f"{run.name} — {Path(str(rec.get('cases', '?'))).name}, {rec['n_cases']} questions, "
                   f"{rec['mode']}" for run, rec in runs}
    own = [run for run, rec in runs if Path(str(rec.get("cases", ""))).name == CASES.name]
    choice = list(labels)
    index = choice.index(own[0]) if own else 0
    return st.selectbox("Run", choice, index=index, format_func=labels.get, key="eval_run")


def _show(run: Path) -> None:
    result = json.loads((run / "metrics.json").read_text(encoding="utf-8"))
    meta, metrics = result["run"], result["metrics"]
    st.caption(md_text(f"run {run.name} · {Path(str(meta.get('cases', '?'))).name} · mode {meta['mode']} · "
                       f"{meta['n_cases']} questions · {meta.get('seconds', 0):.0f} s"))
    cols = st.columns(4)
    for n, (key, label) in enumerate(METRICS):
        value = metrics.get(key)
        shown = "–" if value is None else (f"{value:.2f}" if key.endswith("_s") else f"{100 * value:.1f} %")
        cols[n % 4].metric(label, shown)
    gate = result.get("gate") or {}
    if gate.get("status") == "fail":
        st.error(md_text("Regressions against the baseline: " + "; ".join(gate.get("regressions", []))))
    elif gate.get("status"):
        st.success(f"Baseline gate: {gate['status']}")
    for png in sorted(run.glob("*.png")):
        st.image(str(png), caption=png.stem.replace("_", " "))
    st.dataframe(
        [{"id": r["id"], "pass": "pass" if (r["all_facts"] if r["answerable"] else not r["answered"]) else "FAIL",
          "question": r["question"], "answer": r["text"],
          "cited": ", ".join(sorted(set(r["cited_sources"])))} for r in result["cases"]],
        hide_index=True, width="stretch",
    )


def render() -> None:
    st.title("Eval")
    ensure_index()
    st.caption(md_text(f"Known facts from {CASES.name} checked against the answers; quotes checked against the files."))
    mode = st.radio("Mode", ["extractive", "llm"], horizontal=True, key="eval_mode")
    if st.button("Run the eval", type="primary"):
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        out = RUNS / f"{stamp}-{mode}-app"
        bar = st.progress(0.0, text="Answering the eval questions…")
        try:
            run_eval(CASES, mode, out, settings(), peer=False,
                     baseline_path=EVAL_DIR / "baseline.json",
                     on_case=lambda done, total: bar.progress(done / total, text=f"{done} / {total} questions"))
        except Exception as exc:  # noqa: BLE001 - the page reports any failure and stays up
            st.error(md_text(f"The eval could not run: {exc}"))
            return
        finally:
            bar.empty()
        st.session_state.pop("eval_run", None)  # show the run just made
    runs = _runs()
    if not runs:
        st.info("No eval run yet: press Run the eval.")
    else:
        _show(_pick(runs))
