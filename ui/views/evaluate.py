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


def _latest() -> Path | None:
    runs = sorted((p.parent for p in RUNS.glob("*/metrics.json")), key=lambda p: p.stat().st_mtime)
    return runs[-1] if runs else None


def _show(run: Path) -> None:
    result = json.loads((run / "metrics.json").read_text(encoding="utf-8"))
    meta, metrics = result["run"], result["metrics"]
    st.caption(f"run {run.name} · mode {meta['mode']} · {meta['n_cases']} questions · {meta.get('seconds', 0):.0f} s")
    cols = st.columns(4)
    for n, (key, label) in enumerate(METRICS):
        value = metrics.get(key)
        shown = "–" if value is None else (f"{value:.2f}" if key.endswith("_s") else f"{100 * value:.1f} %")
        cols[n % 4].metric(label, shown)
    gate = result.get("gate") or {}
    if gate.get("status") == "fail":
        st.error("Regressions against the baseline: " + "; ".join(gate.get("regressions", [])))
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
            st.error(f"The eval could not run: {exc}")
            return
        finally:
            bar.empty()
    latest = _latest()
    if latest is None:
        st.info("No eval run yet: press Run the eval.")
    else:
        _show(latest)
