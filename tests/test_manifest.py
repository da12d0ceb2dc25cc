"""The ingest plan: unchanged, changed, half-written, deleted and skipped files."""

from __future__ import annotations

from rag.manifest import plan
from rag.store import SourceState


def _state(sha: str, ids: list[str], expected: int | None = None) -> SourceState:
    state = SourceState()
    state.ids_by_sha[sha] = list(ids)
    state.expected[sha] = len(ids) if expected is None else expected
    return state


def test_unchanged_file_is_left_alone() -> None:
    p = plan({"a.txt": "h1"}, set(), {"a.txt": _state("h1", ["1", "2"])})
    assert p.unchanged == ["a.txt"] and not (p.add or p.update or p.remove)


def test_new_changed_and_deleted_files() -> None:
    index = {"a.txt": _state("old", ["1"]), "gone.txt": _state("g", ["7", "8"])}
    p = plan({"a.txt": "new", "b.txt": "hb"}, set(), index)
    assert p.add == ["b.txt"]
    assert p.update == ["a.txt"]
    assert p.remove == {"gone.txt": ["7", "8"]}


def test_half_written_file_is_redone() -> None:
    p = plan({"a.txt": "h1"}, set(), {"a.txt": _state("h1", ["1"], expected=3)})
    assert p.update == ["a.txt"]


def test_leftovers_of_an_older_version_trigger_repair() -> None:
    state = _state("h1", ["1", "2"])
    state.ids_by_sha["h0"] = ["9"]
    state.expected["h0"] = 1
    assert plan({"a.txt": "h1"}, set(), {"a.txt": state}).update == ["a.txt"]


def test_file_now_unreadable_keeps_its_chunks() -> None:
    p = plan({}, {"a.txt"}, {"a.txt": _state("h1", ["1"])})
    assert p.kept_skipped == ["a.txt"] and not p.remove
