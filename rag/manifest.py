"""Decide what an ingest must do, from the files on disk and what the index already holds.

Pure logic (no I/O), so it is tested with plain data. A file is unchanged only when the index holds
exactly its current hash's complete set of chunks; anything else (changed file, half-written
chunks from a killed run, leftovers of an older version) is redone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rag.store import SourceState


@dataclass
class Plan:
    """Sources to add, replace, leave, or remove, and stale chunk ids to delete."""

    add: list[str] = field(default_factory=list)
    update: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    remove: dict[str, list[str]] = field(default_factory=dict)
    kept_skipped: list[str] = field(default_factory=list)


def plan(current: dict[str, str], skipped: set[str], index: dict[str, SourceState]) -> Plan:
    """``current`` maps source -> file hash of loadable files; ``skipped`` are present but unloadable.

    Chunks of a file that is still present but now skipped (unreadable, emptied by mistake...) are
    kept, not deleted: bad input loses nothing. Files gone from the folder are removed.
    """
    result = Plan()
    for source, sha in sorted(current.items()):
        state = index.get(source)
        if state is None:
            result.add.append(source)
        elif state.complete(sha) and set(state.ids_by_sha) == {sha}:
            result.unchanged.append(source)
        else:
            result.update.append(source)
    for source, state in sorted(index.items()):
        if source in current:
            continue
        if source in skipped:
            result.kept_skipped.append(source)
        else:
            result.remove[source] = state.all_ids
    return result
