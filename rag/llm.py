"""LLM answering through any OpenAI-compatible endpoint (langchain-openai ``ChatOpenAI``).

The model sees numbered evidence sentences and must reply with JSON: answer text, the ids of the
evidence it used, and whether the evidence answers the question. Ids it was not shown are dropped;
a reply left with no valid citation is not presented as grounded. Keys never reach logs or errors.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Generator
from typing import Any

from rag.config import Settings
from rag.errors import LLMError
from rag.evidence import Evidence
from rag.prompts import load_prompt
from rag.types import CANNOT_ANSWER, Citation

_REACHABLE: dict[str, tuple[float, str | None]] = {}
_REACH_TTL_S = 30.0
_ANSWER_FIELD = re.compile(r'"answer"\s*:\s*"')
CONDENSE_MAX_TOKENS = 80
UNGROUNDED = "the model's answer cited no evidence, so it is not presented as grounded"
_ID_MARKER = re.compile(r"\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]")
JSON_MODE = {"type": "json_object"}


_CHECK_KEY = "check OPENAI_API_KEY / RAG_LLM_API_KEY"
_CHECK_SERVER = "is the server running, and is RAG_LLM_BASE_URL right?"


def _one_line(text: str, limit: int = 300) -> str:
    return " ".join(text.split())[:limit]


def _marker_ids(text: str) -> list[int]:
    return [int(i) for group in _ID_MARKER.findall(text) for i in group.split(",")]


def redact(message: str, settings: Settings) -> str:
    """Remove the API key (and key-like tokens) from a message."""
    key = settings.api_key()
    if key:
        message = message.replace(key, "***")
    return re.sub(r"\b(sk-[A-Za-z0-9_*-]{4,})", "sk-***", message)


def unavailable_reason(settings: Settings) -> str | None:
    """None when an LLM is configured and answers; otherwise why it cannot be used."""
    if not settings.llm_configured():
        return "no LLM configured (set OPENAI_API_KEY, or RAG_LLM_BASE_URL for Ollama/vLLM/llama.cpp)"
    base = (settings.llm_base_url or "https://api.openai.com/v1").rstrip("/")
    key = settings.api_key()
    cache_key = f"{base}|{hashlib.sha256((key or '').encode()).hexdigest()[:16]}"
    cached = _REACHABLE.get(cache_key)
    if cached and time.monotonic() - cached[0] < _REACH_TTL_S:
        return cached[1]
    request = urllib.request.Request(f"{base}/models")
    if key:
        request.add_header("Authorization", f"Bearer {key}")
    reason: str | None = None
    try:
        with urllib.request.urlopen(request, timeout=min(3.0, settings.llm_timeout_s)):
            pass
    except urllib.error.HTTPError as exc:
        if exc.code in (401, 403):
            reason = f"the LLM server at {base} rejected the API key (HTTP {exc.code}): {_CHECK_KEY}"
        # other HTTP errors: the server is up; some servers just lack /models
    except (urllib.error.URLError, OSError) as exc:
        why = _one_line(redact(str(getattr(exc, "reason", exc)), settings))
        reason = f"cannot reach the LLM at {base} ({why}): {_CHECK_SERVER}"
    _REACHABLE[cache_key] = (time.monotonic(), reason)
    return reason


def format_evidence(evidence: list[Evidence]) -> str:
    """Numbered evidence lines; the delimiter the prompt uses cannot be forged by a document."""
    lines = []
    for ev in evidence:
        # Outlet names come from a user-edited metadata file: they are data too.
        line = " ".join(f"({ev.outlet}, {ev.published or 'date unknown'}) {ev.text}".split())
        lines.append(f"[{ev.id}] " + line.replace("<", "‹").replace(">", "›"))
    return "\n".join(lines)


def _json_object(raw: str) -> dict[str, Any] | None:
    match = re.search(r"\{.*\}", raw, re.S)
    if not match:
        return None
    try:
        loaded = json.loads(match.group(0))
    except json.JSONDecodeError:
        return None
    return loaded if isinstance(loaded, dict) else None


def _is_false(value: Any) -> bool:
    return value is False or (isinstance(value, str) and value.strip().lower() in ("false", "no"))


def parse_reply(raw: str, shown: dict[int, Evidence]) -> tuple[str, list[Citation], bool, list[str]]:
    """Answer text, valid citations, answered flag and notices from the model's reply."""
    notices: list[str] = []
    data = _json_object(raw)
    if data is not None and isinstance(data.get("answer"), str):
        text = data["answer"].strip()
        raw_ids = data.get("citations", data.get("evidence_ids", []))
        ids = [int(i) for i in raw_ids if str(i).strip().isdigit()] if isinstance(raw_ids, list) else []
        ids += _marker_ids(text)
        answerable = not _is_false(data.get("answerable", True))
    else:
        notices.append("the model did not return the requested JSON; citations were read from [n] markers")
        # A reply cut off by the token limit still holds a readable "answer" field.
        partial = _AnswerFieldStream()
        text = (partial.feed(raw) or raw).strip()
        ids = _marker_ids(text)
        answerable = True
    if not answerable or text.rstrip(".") == CANNOT_ANSWER.rstrip("."):
        return _ID_MARKER.sub("", text).strip() or CANNOT_ANSWER, [], False, notices
    valid = list(dict.fromkeys(i for i in ids if i in shown))
    dropped = sorted(set(ids) - set(shown))
    if dropped:
        notices.append(f"dropped citations to evidence the model was not shown: {dropped}")
    if not valid:
        notices.append(UNGROUNDED)
        return ("No grounded answer: the model's reply cited none of the evidence it was shown.", [], False, notices)
    # Markers point at evidence ids; renumber them to positions in the citation list.
    position = {eid: n for n, eid in enumerate(valid, 1)}

    def renumber(match: re.Match[str]) -> str:
        kept = [position[int(i)] for i in match.group(1).split(",") if int(i) in position]
        return f"[{', '.join(map(str, kept))}]" if kept else ""

    text = re.sub(r"\s+([.,;:])", r"\1", _ID_MARKER.sub(renumber, text)).strip()
    return text, [shown[i].citation() for i in valid], True, notices


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", '"': '"', "\\": "\\", "/": "/"}
_HEX4 = re.compile(r"[0-9A-Fa-f]{4}")


def _unicode_escape(body: str, i: int) -> tuple[str, int] | None:
    """The character of the ``\\uXXXX`` escape at ``body[i]`` and its length; None while incomplete."""
    if len(body) < i + 6:
        return None
    if not _HEX4.fullmatch(body[i + 2 : i + 6]):
        return body[i + 1], 2  # not a valid escape: keep the letter, as for other unknown escapes
    code = int(body[i + 2 : i + 6], 16)
    if 0xD800 <= code < 0xDC00:  # a high surrogate: the low one follows as another \uXXXX
        if len(body) < i + 12:
            return None
        low = body[i + 8 : i + 12]
        if body[i + 6 : i + 8] == "\\u" and _HEX4.fullmatch(low) and 0xDC00 <= int(low, 16) < 0xE000:
            return chr(0x10000 + ((code - 0xD800) << 10) + (int(low, 16) - 0xDC00)), 12
        return "\ufffd", 6
    return (chr(code) if not 0xDC00 <= code < 0xE000 else "\ufffd"), 6


class _AnswerFieldStream:
    """Pull the decoded text of the JSON "answer" field out of a streamed reply as it grows."""

    def __init__(self) -> None:
        self.buffer = ""
        self.emitted = 0

    def feed(self, delta: str) -> str:
        self.buffer += delta
        match = _ANSWER_FIELD.search(self.buffer)
        if not match:
            return ""
        body, out, i = self.buffer[match.end():], [], 0
        while i < len(body):
            ch = body[i]
            if ch == "\\":
                if i + 1 >= len(body):
                    break
                if body[i + 1] == "u":  # \uXXXX, a surrogate pair as two of them: wait until complete
                    code = _unicode_escape(body, i)
                    if code is None:
                        break
                    out.append(code[0])
                    i += code[1]
                    continue
                out.append(_ESCAPES.get(body[i + 1], body[i + 1]))
                i += 2
                continue
            if ch == '"':
                break
            out.append(ch)
            i += 1
        text = "".join(out)
        new, self.emitted = text[self.emitted:], len(text)
        return new


def openai_timeout() -> Exception:
    import httpx
    import openai

    return openai.APITimeoutError(request=httpx.Request("POST", "http://llm/chat/completions"))


def _http_module() -> Any:
    """The HTTP library the installed openai client is built on (httpx2 for openai 3, httpx before)."""
    import openai

    client = next(c for c in openai.DefaultHttpxClient.__mro__ if c.__name__ == "Client")
    return sys.modules[client.__module__.partition(".")[0]]


@functools.cache
def deadline_http_client(total_s: float) -> Any:
    """openai's default HTTP client, except that every request ends within ``total_s`` seconds,
    headers and whole body, streamed or not (one per timeout value: its connections are reused).

    The library's timeouts bound each read, not the reply: a server that keeps sending a byte or a
    token now and then (a stuck generation, keep-alive comments, a body that never ends) would hold
    a plain request forever and a stream until our per-chunk check sees a chunk.
    """
    import openai

    http = _http_module()

    class Body(http.SyncByteStream):  # type: ignore[misc, name-defined]
        def __init__(self, inner: Any, deadline: float) -> None:
            self.inner, self.deadline = inner, deadline

        def __iter__(self) -> Any:
            for part in self.inner:
                if time.monotonic() > self.deadline:
                    raise http.ReadTimeout(f"no complete reply within {total_s:g} s")
                yield part

        def close(self) -> None:
            self.inner.close()

    class Client(openai.DefaultHttpxClient):  # type: ignore[misc, valid-type]
        def send(self, request: Any, *, stream: bool = False, **kwargs: Any) -> Any:
            deadline = time.monotonic() + total_s
            response = super().send(request, stream=True, **kwargs)
            response.stream = Body(response.stream, deadline)
            if not stream:
                try:
                    response.read()
                except BaseException:
                    response.close()
                    raise
            return response

    return Client(timeout=total_s)


class LLMClient:
    """One configured chat model and the two calls we make of it."""

    def __init__(self, settings: Settings, chat_model: Any = None) -> None:
        self.settings = settings
        self.system = load_prompt(settings.prompts_dir, "answer_system")
        self.user = load_prompt(settings.prompts_dir, "answer_user", "question", "evidence", "cannot_answer")
        self.condense_prompt = load_prompt(settings.prompts_dir, "condense", "history", "question")
        self.summary_system = load_prompt(settings.prompts_dir, "summary_system")
        self.summary_user = load_prompt(settings.prompts_dir, "summary_user", "task", "evidence")
        self.chat = chat_model or self._make_chat()

    def _make_chat(self) -> Any:
        from langchain_openai import ChatOpenAI

        from rag.tokens import install_offline_bpe

        install_offline_bpe()
        return ChatOpenAI(
            model=self.settings.llm_model,
            base_url=self.settings.llm_base_url,
            api_key=self.settings.api_key() or "not-needed",
            temperature=self.settings.llm_temperature,
            timeout=self.settings.llm_timeout_s,
            max_tokens=self.settings.llm_max_tokens,
            max_retries=0,
            http_client=deadline_http_client(self.settings.llm_timeout_s),
        )

    def _error(self, exc: Exception) -> LLMError:
        """One LLMError whose message says what went wrong and what to do; never the key."""
        import openai

        base = self.settings.llm_base_url or "OpenAI"
        detail = _one_line(re.sub(r"^Error code: \d+ - ", "", redact(str(exc), self.settings)))
        if isinstance(exc, (openai.AuthenticationError, openai.PermissionDeniedError)):
            return LLMError(f"the LLM server at {base} rejected the API key ({exc.status_code}): {_CHECK_KEY}")
        if isinstance(exc, openai.APITimeoutError) or isinstance(exc, _http_module().TimeoutException):
            return LLMError(f"the LLM at {base} did not answer within {self.settings.llm_timeout_s:g} s: raise "
                            "RAG_LLM_TIMEOUT_S, try a smaller model, or try again")
        if isinstance(exc, openai.APIConnectionError):
            return LLMError(f"cannot reach the LLM at {base}: {_CHECK_SERVER}")
        if isinstance(exc, openai.RateLimitError):
            return LLMError(f"the LLM at {base} refused the request: rate limit or quota reached (HTTP 429): "
                            f"wait and try again, or check the account's quota ({detail})")
        if isinstance(exc, openai.APIStatusError):
            todo = ("the server failed: try again later, or see its log" if exc.status_code >= 500
                    else "check RAG_LLM_MODEL and RAG_LLM_BASE_URL")
            return LLMError(f"the LLM at {base} answered HTTP {exc.status_code}: {detail}; {todo}")
        if isinstance(exc, (json.JSONDecodeError, openai.APIResponseValidationError)):
            return LLMError(f"the LLM at {base} sent a reply that is not valid JSON ({detail}): is RAG_LLM_BASE_URL "
                            "an OpenAI-compatible endpoint (usually ending in /v1)?")
        return LLMError(f"the LLM call failed: {detail}")

    def _call(self, call: Any) -> Any:
        """``call()``, its failures turned into one LLMError raised outside the handler: the original
        exception (whose response holds the request headers and whose body may echo the key) is
        neither the new error's cause nor its context."""
        try:
            return call()
        except Exception as exc:  # openai raises many error types; all become one LLMError
            error = self._error(exc)
        raise error

    def condense(self, question: str, turns: list[tuple[str, str]]) -> str:
        """Rewrite a follow-up question so it stands alone."""
        history = "\n".join(f"{role}: {' '.join(text.split())[:500]}" for role, text in turns[-6:])
        prompt = self.condense_prompt.format(history=history, question=question)
        reply = self._call(lambda: self.chat.invoke(prompt, max_tokens=CONDENSE_MAX_TOKENS))
        rewritten = " ".join(str(reply.content).split()).strip().strip('"')
        return rewritten if 3 <= len(rewritten) <= 4 * len(question) + 200 else question

    def cited(self, task: str, evidence: list[Evidence]) -> tuple[str, list[Citation], bool, list[str]]:
        """A summary task over numbered evidence, parsed and checked like answers (ids the model was
        not shown are dropped; a reply citing none is not grounded)."""
        from langchain_core.messages import HumanMessage, SystemMessage

        if not evidence:
            return CANNOT_ANSWER, [], False, []
        messages = [
            SystemMessage(self.summary_system.format()),
            HumanMessage(self.summary_user.format(task=task, evidence=format_evidence(evidence))),
        ]
        reply = self._call(lambda: self.chat.invoke(messages, extra_body={"response_format": JSON_MODE}))
        return parse_reply(str(reply.content), {ev.id: ev for ev in evidence})

    def answer_stream(
        self, question: str, evidence: list[Evidence]
    ) -> Generator[str, None, tuple[str, list[Citation], bool, list[str]]]:
        """Stream the answer text; return (text, citations, answered, notices)."""
        from langchain_core.messages import HumanMessage, SystemMessage

        evidence = evidence[: self.settings.llm_evidence]
        if not evidence:
            return CANNOT_ANSWER, [], False, []
        messages = [
            SystemMessage(self.system.format()),
            HumanMessage(self.user.format(question=question, evidence=format_evidence(evidence), cannot_answer=CANNOT_ANSWER)),
        ]
        fields = _AnswerFieldStream()
        raw = []
        deadline = time.monotonic() + self.settings.llm_timeout_s
        error: LLMError | None = None
        try:
            for chunk in self.chat.stream(messages, extra_body={"response_format": JSON_MODE}):
                if time.monotonic() > deadline:
                    # per-read timeouts never fire on a server that keeps sending tokens slowly
                    raise openai_timeout()
                delta = chunk.content if isinstance(chunk.content, str) else ""
                raw.append(delta)
                new = fields.feed(delta)
                if new:
                    yield new
        except Exception as exc:  # see _call()
            error = self._error(exc)
        if error is not None:
            raise error
        return parse_reply("".join(raw), {ev.id: ev for ev in evidence})
