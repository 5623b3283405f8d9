"""The segmenter: jieba-identical tokens from the fast backend, policy terms kept whole."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.segment import Segmenter, parse_terms, read_terms

ROOT = Path(__file__).resolve().parents[1]
TERMS = ROOT / "data/dict/policy_terms.txt"
STOPWORDS = ROOT / "data/dict/stopwords.txt"
CONTEXTS = ("我们要推进{}建设。", "坚持以{}为引领，", "关于{}的若干意见", "{}")


@pytest.fixture(scope="module")
def backends() -> tuple[Segmenter, Segmenter]:
    return Segmenter.from_files(TERMS, STOPWORDS, "rjieba"), Segmenter.from_files(TERMS, STOPWORDS, "jieba")


def sample_paragraphs() -> list[str]:
    texts = []
    for path in sorted((ROOT / "data/sample/docs").glob("*.txt")):
        texts += [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return texts


def test_backends_give_identical_tokens_on_the_sample(backends) -> None:
    fast, reference = backends
    paragraphs = sample_paragraphs()
    assert len(paragraphs) > 400
    same = sum(fast.cut(p) == reference.cut(p) for p in paragraphs)
    assert same / len(paragraphs) >= 0.999
    assert all(fast.tokens(p) == reference.tokens(p) for p in paragraphs)


def test_every_policy_term_survives_segmentation_in_context(backends) -> None:
    terms = [t for t, _ in read_terms(TERMS)]
    assert len(terms) >= 300
    for seg in backends:
        broken = [(t, c) for t in terms for c in CONTEXTS if t not in seg.cut(c.format(t))]
        assert not broken, f"{seg.backend}: {broken[:5]}"


def test_tokens_drop_stopwords_punctuation_and_numbers(backends) -> None:
    fast, _ = backends
    tokens = fast.tokens("我们要坚持推进“一带一路”建设，2024年增长5.2%。APEC会议在北京举行。")
    assert "一带一路" in tokens and "APEC" in tokens
    assert not {"，", "。", "“", "2024", "5.2", "%", "我们"} & set(tokens)


def test_user_dictionary_format() -> None:
    assert parse_terms("# comment\n一带一路 30000\n四个中心\n") == [("一带一路", 30000), ("四个中心", 20000)]


def test_unknown_backend_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown segmenter backend"):
        Segmenter([], frozenset(), "thulac")


def test_sample_labels_match_ingested_paragraphs() -> None:
    """The shipped labels name paragraphs exactly as ingest splits the shipped documents."""
    from pipeline.readers import read_corpus

    paragraphs = {p.id: p.text for p in read_corpus(ROOT / "data/sample/docs")}
    labels = [json.loads(line) for line in (ROOT / "data/sample/labels.jsonl").open(encoding="utf-8")]
    assert len(labels) == len(paragraphs)
    assert all(paragraphs.get(r["id"]) == r["text"] for r in labels)


def test_every_lexicon_term_is_a_token_and_no_stopword(backends) -> None:
    """The lexicon is matched against tokens: a term that segments apart or is a stopword would
    silently never fire."""
    lexicon = json.loads((ROOT / "data/dict/themes.json").read_text(encoding="utf-8"))
    terms = {t for theme in lexicon["themes"].values() for kind in ("strong", "weak") for t in theme[kind]}
    terms |= {t for cues in lexicon["negative"].values() for t in cues}
    for seg in backends:
        assert not terms & seg.stopwords
        split = sorted(t for t in terms if t not in seg.cut(f"我们要推进{t}。") or seg.cut(t) != [t])
        assert not split, f"{seg.backend}: {split[:10]}"


SYMBOL_RUNS = (
    "斯坦福大学XYZ-LAB中心与Asia-Pacific论坛在2011-2020年间合作。",
    "见U.S.政策第2.2.3节，co-evolution研究，C++与AT&T，增长5.2%，PM2.5浓度下降。",
    "Self-Defense、US-China和Anti-access area-denial，a_b#c+d，100%-200%。",
)


@pytest.mark.parametrize("text", SYMBOL_RUNS)
def test_symbol_runs_are_cut_as_jieba_cuts_them(backends, text: str) -> None:
    """jieba-rs keeps "XYZ-LAB" or "2011-2020" whole where jieba splits at the symbol."""
    fast, reference = backends
    assert fast.cut(text) == reference.cut(text)


def test_symbol_words_of_jiebas_dictionary_are_known() -> None:
    """Dictionary words with a symbol stay whole in jieba: the rule must know all of them."""
    import jieba

    from pipeline.segment import _SYMBOL, _JiebaSkipRule

    lines = (Path(jieba.__file__).parent / "dict.txt").read_text(encoding="utf-8").splitlines()
    words = {line.split()[0] for line in lines if line.strip()}
    assert {w for w in words if _SYMBOL.search(w)} == _JiebaSkipRule.DICTIONARY_WORDS
