"""When to answer: one confidence score per snippet and the calibrated threshold it must reach.

confidence = coverage, scaled down when the BM25 evidence is thin:

    confidence = coverage * min(1, bm25 / MIN_EVIDENCE)

* coverage (bot/qa/retrieval.py) is the share of the question the snippet accounts for; it is
  what separates "can I drink on naltrexone" (all of it) from "can naltrexone cause hair loss"
  (the content knows nothing about hair or loss).
* The BM25 factor stops a vague one-word message ("feel", "people") from being "fully covered" by
  whichever snippet happens to contain that common word. A question made only of the topic word
  ("what is naltrexone") is exempt: the overview snippet is the right answer to it.

Both constants were calibrated on the "tune" half of tests/data/qa_eval.toml with
``python -m bench.bench_answers --calibrate`` (a grid search maximising: +1 per right answer,
-1 per wrong snippet, -2 per answer to a question that should get "I don't know"; ties go to the
higher threshold, then to the lower evidence floor). The held-out half was not used. Re-run it
after changing the content or the lexicon, and record the result in bench/results/answers.md.
"""

from __future__ import annotations

from typing import Final

__all__ = ["ANSWER_THRESHOLD", "MIN_EVIDENCE", "SECOND_SNIPPET_RATIO", "confidence"]

ANSWER_THRESHOLD: Final = 0.55
MIN_EVIDENCE: Final = 4.0
# A second snippet is quoted only if it is nearly as relevant as the first (BM25 ratio) and
# passes the threshold itself, so replies stay short.
SECOND_SNIPPET_RATIO: Final = 0.85


def confidence(
    coverage: float,
    bm25: float,
    *,
    topic_only: bool = False,
    min_evidence: float = MIN_EVIDENCE,
) -> float:
    """The calibrated score in [0, 1] compared with :data:`ANSWER_THRESHOLD`."""
    if topic_only or bm25 >= min_evidence:
        return coverage
    return coverage * bm25 / min_evidence
