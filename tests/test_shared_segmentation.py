"""On the real corpus: the fast segmenter gives jieba's tokens (skips without ../shared)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.readers import read_corpus
from pipeline.segment import Segmenter

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
pytestmark = [
    pytest.mark.shared,
    pytest.mark.skipif(not (SHARED / "corpus").is_dir(), reason="../shared is not beside the project"),
]


def test_rjieba_equals_jieba_on_the_shared_corpus() -> None:
    paragraphs = [p.text for p in read_corpus(SHARED / "corpus")]
    terms, stop = ROOT / "data/dict/policy_terms.txt", ROOT / "data/dict/stopwords.txt"
    fast, reference = Segmenter.from_files(terms, stop, "rjieba"), Segmenter.from_files(terms, stop, "jieba")
    assert len(paragraphs) > 8000
    differ = [p[:60] for p in paragraphs if fast.cut(p) != reference.cut(p)]
    assert differ == []
