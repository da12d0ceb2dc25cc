"""LLM-assisted who-said-what: the model sees the numbered sentences the speech rules left
unattributed and names their speakers. A sentence id it was not shown is dropped, and so is a
speaker whose name the article does not contain (no invented speakers); the claim is the sentence,
cut by code."""

from __future__ import annotations

import json
import re
from typing import Any

from rag.config import Settings
from rag.errors import LLMError
from rag.llm import JSON_MODE, LLMClient, _json_object  # noqa: PLC2701 - same package
from rag.prompts import load_prompt
from rag.types import Citation, Claim, Document

MAX_SENTENCES = 60  # per article and call
_SPEECHY = re.compile(r"[“”\"]|\b(said|says|told|according to|claimed|denied|insisted|warned|stated|added|argued|"
                      r"called|described|vowed|demanded|accused|announced|urged|noted|stressed)\b", re.I)
_PRONOUNS = {"he", "she", "they", "it", "we", "i", "you", "his", "her", "their"}


def candidates(doc: Document, attributed: set[tuple[int, int]]) -> list[tuple[int, int]]:
    """Body sentences that look like speech but that no rule attributed."""
    return [(s.start, s.end) for s in doc.sentences
            if s.kind == "body" and (s.start, s.end) not in attributed and _SPEECHY.search(s.text)][:MAX_SENTENCES]


def assisted_claims(doc: Document, found: list[Claim], settings: Settings, llm: Any = None) -> tuple[list[Claim], list[str]]:
    """Claims the model attributes among the sentences the rules left out, and notices."""
    attributed = {(c.sentence.start, c.sentence.end) for c in found}
    spans = candidates(doc, attributed)
    if not spans:
        return [], []
    client = LLMClient(settings, llm)
    system = load_prompt(settings.prompts_dir, "claims_system")
    user = load_prompt(settings.prompts_dir, "claims_user", "title", "sentences")
    numbered = "\n".join(f"[{n}] {' '.join(doc.text[a:b].split())}" for n, (a, b) in enumerate(spans, 1))
    from langchain_core.messages import HumanMessage, SystemMessage

    messages = [SystemMessage(system.format()), HumanMessage(user.format(title=doc.meta.title, sentences=numbered))]
    # the original error (which may echo the key) is neither the LLMError's cause nor its context
    reply = client._call(lambda: client.chat.invoke(messages, extra_body={"response_format": JSON_MODE}))  # noqa: SLF001
    data = _json_object(str(reply.content)) or {}
    items = data.get("claims") if isinstance(data.get("claims"), list) else []
    claims, dropped = [], []
    lowered = doc.text.lower()
    for item in items:
        if not isinstance(item, dict):
            continue
        try:
            n = int(item.get("id"))
        except (TypeError, ValueError):
            continue
        speaker = " ".join(str(item.get("speaker") or "").split())
        if not 0 < n <= len(spans) or not speaker or speaker.lower() in _PRONOUNS or speaker.lower() not in lowered:
            dropped.append(json.dumps(item, ensure_ascii=False)[:80])
            continue
        role = item.get("role")
        role = " ".join(str(role).split()) if role and str(role).lower() in lowered else None
        a, b = spans[n - 1]
        meta = doc.meta
        cite = Citation(doc.source, a, b, doc.text[a:b], meta.outlet, meta.published, meta.title, doc.path)
        kind = "direct" if re.search(r"[“\"]", doc.text[a:b]) else "reported"
        claims.append(Claim(speaker, role, kind, cite, cite, meta.outlet, meta.published, "attributed by the LLM"))
    notices = [f"dropped {len(dropped)} LLM attributions the article does not support"] if dropped else []
    return claims, notices


__all__ = ["LLMError", "assisted_claims", "candidates"]
