"""Answers to patients' free-text questions, quoted from curated snippets (content/snippets.toml).

Crisis triage (bot.domain.triage) runs before any of this. Call :func:`warm_up` at start-up: it
builds the shared index and fails loudly on a malformed content file.
"""

from bot.qa.answers import Answer, Hit, answer, load, warm_up
from bot.qa.content import ContentError

__all__ = ["Answer", "ContentError", "Hit", "answer", "load", "warm_up"]
