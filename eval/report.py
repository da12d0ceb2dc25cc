"""Write a run's ``metrics.json``, ``report.md`` and PNG plots; format the summary table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

LABELS = {
    "fact_recall": "fact recall (all facts)", "fact_recall_per_fact": "fact recall (per fact)",
    "right_source_rate": "right-source rate", "citation_precision": "citation precision",
    "quote_validity": "quote validity", "refusal_accuracy": "refusal accuracy",
    "false_refusal_rate": "false-refusal rate", "hit_at_1": "retrieval hit@1", "hit_at_5": "retrieval hit@5",
    "mrr": "retrieval MRR", "crag_score": "CRAG score (-1..1)", "latency_p50_s": "latency p50",
    "latency_p95_s": "latency p95", "mean_answer_chars": "mean answer length", "n_cases": "cases",
    "n_citations": "citations", "errors": "errors",
}
HEADLINE = ("fact_recall", "fact_recall_per_fact", "right_source_rate", "citation_precision", "quote_validity",
            "refusal_accuracy", "false_refusal_rate", "hit_at_1", "hit_at_5", "mrr", "crag_score",
            "latency_p50_s", "latency_p95_s", "mean_answer_chars", "n_citations", "errors")
PEER_KEYS = ("hit_at_1", "hit_at_5", "mrr", "fact_recall", "fact_recall_per_fact", "refusal_accuracy",
             "crag_score", "mean_answer_chars", "latency_p50_s")
RATES = ("hit_at_1", "hit_at_5", "fact_recall", "refusal_accuracy")


def fmt(name: str, value: Any) -> str:
    """A metric value as people read it: rates in %, seconds, characters, scores."""
    if value is None:
        return "n/a"
    if name.endswith("_s"):
        return f"{value:.3f} s"
    if name in ("mrr", "crag_score"):
        return f"{value:+.3f}" if name == "crag_score" else f"{value:.3f}"
    if name == "mean_answer_chars":
        return f"{value:.0f} chars"
    if name.startswith("n_") or name == "errors":
        return f"{value:.0f}"
    return f"{value:.1%}"


def ratios(ours: dict[str, Any], peer: dict[str, Any]) -> dict[str, float | None]:
    """ours / peer per compared metric; None where the peer's value is missing or not positive."""
    return {k: (ours[k] / peer[k] if ours.get(k) is not None and peer.get(k) else None)
            if (peer.get(k) or 0) > 0 else None for k in PEER_KEYS}


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])


def summary_table(result: dict[str, Any]) -> str:
    """The plain-text table printed at the end of a run (ours, peer, ours/peer)."""
    m, peer, rat = result["metrics"], result.get("peer") or {}, result.get("ratios") or {}
    lines = [f"{'metric':<26}{'ours':>12}{'peer':>12}{'ours/peer':>11}"]
    for k in HEADLINE:
        p = fmt(k, peer[k]) if k in peer else ""
        r = f"{rat[k]:.2f}" if rat.get(k) is not None else ""
        lines.append(f"{LABELS[k]:<26}{fmt(k, m[k]):>12}{p:>12}{r:>11}")
    if result.get("judge"):
        lines.append(f"{'faithfulness (LLM judge)':<26}{fmt('x', result['judge']['faithfulness']):>12}")
    return "\n".join(lines)


def _breakdown_md(groups: dict[str, dict[str, Any]]) -> str:
    keys = ("n_cases", "fact_recall", "right_source_rate", "refusal_accuracy", "false_refusal_rate", "hit_at_5",
            "crag_score")
    rows = [[g] + [fmt(k, v[k]) for k in keys] for g, v in groups.items()]
    return _table(["group"] + [LABELS[k] for k in keys], rows)


def _failed_md(cases: list[dict[str, Any]]) -> str:
    out = []
    for r in cases:
        bad_quotes = r["n_citations"] - r["quotes_valid"]
        if r["crag"] == 1 and not bad_quotes and not r.get("error"):
            continue
        missing = [alts for alts, ok in zip(r.get("expected_facts", []), r["facts_found"]) if not ok]
        what = "refused" if not r["answered"] else "answered"
        out.append(f"- **{r['id']}** ({r['type']}, {r['outlet']}) score {r['crag']:+d}, {what}; "
                   f"retrieval rank {r['retrieval_rank'] or '-'}; cited {sorted(set(r['cited_sources'])) or '-'}"
                   + (f"; missing facts {missing}" if missing else "")
                   + (f"; **{bad_quotes} invalid quotes**" if bad_quotes else "")
                   + f"\n  - Q: {r['question']}\n  - A: {' '.join(r['text'].split())[:800]}")
    return "\n".join(out) or "none"


def _gate_md(gate: dict[str, Any]) -> str:
    lines = [f"Status: **{gate['status']}**"] + [f"- {m}" for m in gate["messages"]]
    lines += [f"- REGRESSION: {m}" for m in gate["regressions"]]
    if gate["rows"]:
        lines.append("\n" + _table(["metric", "baseline", "now", "delta", "tolerance", "regressed"], [
            [LABELS.get(r["metric"], r["metric"]), fmt(r["metric"], r["baseline"]), fmt(r["metric"], r["now"]),
             f"{r['delta']:+.3f}", f"{r['tolerance']:g}", "YES" if r["regressed"] else ""] for r in gate["rows"]]))
    return "\n".join(lines)


def markdown(result: dict[str, Any]) -> str:
    """The readable report."""
    run, m = result["run"], result["metrics"]
    parts = [f"# Evaluation: {run['mode']} mode on {run['cases']}",
             f"{run['n_cases']} cases ({m['n_answerable']} answerable, {m['n_unanswerable']} unanswerable), "
             f"{run['created']}, {run['seconds']:.0f} s; answers by mode: {run.get('modes_used')}; "
             f"embedding {run['embedding']}, chunk_tokens {run['chunk_tokens']}.",
             *[f"> {n}" for n in run["notices"]],
             "## Headline", _table(["metric", "value"], [[LABELS[k], fmt(k, m[k])] for k in HEADLINE]),
             "![ours vs peer](ours_vs_peer.png)" if result.get("peer") else ""]
    if result.get("peer"):
        peer, rat = result["peer"], result["ratios"]
        parts += ["## Ours vs naive peer", f"Peer: {peer['pipeline']}; {peer['n_chunks']} chunks. Our latency is the "
                  "whole answer() call; the peer's is its similarity search (it composes nothing).",
                  _table(["metric", "ours", "peer", "ours/peer"],
                         [[LABELS[k], fmt(k, m[k]), fmt(k, peer[k]), f"{rat[k]:.2f}" if rat.get(k) else "—"]
                          for k in PEER_KEYS])]
    if result.get("judge"):
        j = result["judge"]
        parts += ["## LLM judge", f"Faithfulness {fmt('x', j['faithfulness'])} of {j['judged']} judged answers "
                  f"({j['unreadable']} unreadable verdicts)."]
    parts += ["## By question type", _breakdown_md(result["by_type"]), "![per type](per_type.png)",
              "## By outlet", _breakdown_md(result["by_outlet"]),
              "## By question class (refusals of unanswerable, false refusals of answerable)",
              _breakdown_md(result.get("by_class", {})),
              "## Latency", "![latency](latency.png)",
              "## Regressions vs baseline", _gate_md(result["gate"]),
              "## Failed cases", _failed_md(result["cases"])]
    return "\n\n".join(p for p in parts if p) + "\n"


def _bar_labels(ax: Any, bars: Any, values: list[float | None], pct: bool = True) -> None:
    for bar, v in zip(bars, values):
        if v is not None:
            ax.annotate(f"{v:.0%}" if pct else f"{v:,.0f}", (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                        ha="center", va="bottom", fontsize=8, xytext=(0, 2), textcoords="offset points")


def write_plots(result: dict[str, Any], out_dir: Path) -> list[Path]:
    """per_type.png, latency.png and (with a peer) ours_vs_peer.png."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    paths = [out_dir / "per_type.png", out_dir / "latency.png"]
    types = result["by_type"]
    series = [("fact recall", "fact_recall"), ("right-source rate", "right_source_rate"),
              ("refusal accuracy", "refusal_accuracy")]
    fig, ax = plt.subplots(figsize=(10, 4.8))
    x, width = np.arange(len(types)), 0.27
    for n, (label, key) in enumerate(series):
        vals = [g[key] for g in types.values()]
        bars = ax.bar(x + (n - 1) * width, [v or 0 for v in vals], width, label=label)
        _bar_labels(ax, bars, vals)
    ax.set_xticks(x, [f"{t}\n(n={g['n_cases']})" for t, g in types.items()])
    ax.set(ylim=(0, 1.15), ylabel="share of cases", xlabel="question type",
           title=f"Per question type ({result['run']['mode']} mode); refusal accuracy applies to unanswerable only")
    ax.legend(loc="upper right", fontsize=8, ncols=3)
    fig.tight_layout()
    fig.savefig(paths[0], dpi=110)

    lat = [r["latency_s"] for r in result["cases"]]
    m = result["metrics"]
    fig, ax = plt.subplots(figsize=(8, 4.5))
    ax.hist(lat, bins=min(30, max(5, len(lat) // 3)), color="tab:blue", alpha=0.8)
    for key, style in (("latency_p50_s", "--"), ("latency_p95_s", ":")):
        ax.axvline(m[key], color="black", linestyle=style, label=f"{key[8:11]} = {m[key]:.2f} s")
    ax.set(xlabel="answer() latency per question (s)", ylabel="questions",
           title=f"Answer latency ({len(lat)} questions, {result['run']['mode']} mode)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(paths[1], dpi=110)

    if result.get("peer"):
        peer = result["peer"]
        paths.append(out_dir / "ours_vs_peer.png")
        fig, axes = plt.subplots(1, 3, figsize=(12, 4.5), gridspec_kw={"width_ratios": [3, 1, 1]})
        x = np.arange(len(RATES))
        for n, (who, src) in enumerate((("ours", m), ("naive peer", peer))):
            vals = [src.get(k) for k in RATES]
            _bar_labels(axes[0], axes[0].bar(x + (n - 0.5) * 0.38, [v or 0 for v in vals], 0.38, label=who), vals)
        axes[0].set_xticks(x, ["hit@1", "hit@5", "fact recall", "refusal\naccuracy"])
        axes[0].set(ylim=(0, 1.15), ylabel="share of cases", title="Quality")
        axes[0].legend(loc="upper left", fontsize=8)
        for ax, key, title, unit in ((axes[1], "mean_answer_chars", "Mean answer length", "characters"),
                                     (axes[2], "latency_p50_s", "Latency p50", "seconds")):
            vals = [m[key], peer[key]]
            bars = ax.bar(["ours", "peer"], vals, color=["tab:blue", "tab:orange"])
            for bar, v in zip(bars, vals):
                ax.annotate(f"{v:,.0f}" if unit == "characters" else f"{v:.2f}",
                            (bar.get_x() + bar.get_width() / 2, bar.get_height()), ha="center", va="bottom",
                            fontsize=8, xytext=(0, 2), textcoords="offset points")
            ax.set(title=title, ylabel=unit, ylim=(0, max(vals) * 1.18 or 1))
        fig.suptitle("Ours vs naive LangChain-tutorial peer (peer latency = search only)")
        fig.tight_layout()
        fig.savefig(paths[2], dpi=110)
    plt.close("all")
    return paths


def write_all(result: dict[str, Any], out_dir: Path) -> list[Path]:
    """metrics.json, report.md and the PNG plots in ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "metrics.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (out_dir / "report.md").write_text(markdown(result), encoding="utf-8")
    return [out_dir / "metrics.json", out_dir / "report.md", *write_plots(result, out_dir)]
