"""Crisis triage for free-text patient messages.

Every message a patient sends passes :func:`triage` before anything else. When it
returns a crisis, the caller must send :func:`crisis_reply` at once and notify the
care team (the reply tells the patient that the care team has been told).

Design
------
* **Recall first.** A missed crisis can cost a life; a false alarm costs a
  care-team message. When in doubt the rules say "crisis".
* **Pure and fast.** No I/O, no ML, only precompiled regular expressions over a
  normalised copy of the text. Each pattern carries a word/substring
  prerequisite derived mechanically from its source, so only patterns that could
  match are run. A typical message takes a few tens of microseconds; a
  4096-character message about half a millisecond (a few times that for
  pathological input such as hundreds of leetspeak tokens).
* **Never raises.** Any unexpected internal error fails *closed*: the message is
  treated as a suicide/self-harm crisis with rule id ``internal.error``.
* **Rule ids, never text.** :attr:`Triage.matched_rule` names the rule that fired
  (for tests and metrics); the patient's words are never copied into it.

Normalisation (see :func:`_variants`)
-------------------------------------
Unicode compatibility folding (full-width letters, ligatures), accents and
zero-width characters removed, a few Cyrillic/Greek look-alike letters mapped to
Latin, curly apostrophes unified then dropped ("don’t" -> "dont"), emoji and
symbols ignored, punctuation reduced to a clause boundary ``|``, every run of a
repeated letter squashed to one letter ("diiie" -> "die", "kill" -> "kil";
patterns are squashed the same way when compiled, so they are written in plain
English), common text-speak expanded ("wanna" -> "want to", "rn" -> "right now",
"u" -> "you", "im"/"i am"), overdose abbreviations expanded ("OD", "od'd",
"ODing"), and a one-edit typo tolerance for a few key words ("suicidel",
"overdoes" excepted). A second, more aggressive variant additionally decodes
leetspeak ("k1ll", "d13", "$uicide") and joins spelled-out letters
("d i e", "k.m.s"); a message is a crisis if either variant is.

Negation
--------
A negation cancels only the phrase it directly governs: the cue ("not", "dont",
"never", "no", ...) must sit in the same clause, before the phrase, separated
from it only by filler words ("really", "want", "to", "feel", "going", ...). A
pronoun or any content word breaks the scope, so "I'm not okay, I want to die"
and "im not okay i want to die" are crises while "I'm not suicidal" is not.
Phrases whose meaning *is* a negation ("don't want to live anymore",
"not sure I want to live", "he's not breathing", "no reason to live") are
separate rules that negation cannot cancel, and a second negation earlier in
the same clause ("haven't stopped using", "not a day goes by that I don't want
to die") undoes the first.

Documented judgement calls
--------------------------
* General questions about overdose that are clearly informational are *not*
  crises: "what happens if someone overdoses on naltrexone?", "can you OD on
  naltrexone?", "does naltrexone prevent overdose?", "overdose risk after
  stopping", "naloxone for overdose". Everything else that mentions an overdose
  is a crisis, including first-person hypotheticals ("can I overdose on
  naltrexone?"), "how do I know if someone is overdosing", "what are the signs
  of an overdose" and "my brother overdosed", because those may be happening
  now. Only an explicit marker of the past ("years ago", "last year",
  "in 2019") makes a mention of an overdose or a seizure history.
* Emergency symptoms are crises even when asked as a question ("does naltrexone
  cause chest pain?", "can it cause seizures?", "is shortness of breath a side
  effect?"): asking often means having them.
* Any non-negated mention of suicide is a crisis, including "does naltrexone
  cause suicidal thoughts?", and so are reports about someone else ("my friend
  wants to kill herself").
* "kms" and "kys" are crises (hyperbole or abuse is possible, but recall first);
  so is "I want to die lol".
* Cravings alone ("I want to use so bad", "thinking about using", "I want to
  get high") are not crises; intent or action is ("gonna use tonight", "on my
  way to cop", "just shot up", "I took fent", "I relapsed", "trying to
  override the block", "if I use heroin on the shot will I feel it"). Past use
  with a marker of history ("I used heroin for ten years", "I relapsed two
  years ago", "I used to shoot up") is not a crisis.
* Alcohol: drinking by itself is not a crisis (naltrexone is often taken with
  drinking), but drunk driving, a whole bottle of spirits, mixing alcohol with
  opioids or benzodiazepines, alcohol poisoning, vomiting blood and DTs are.
* Idioms are excluded narrowly ("dying to know", "killing it", "could kill for a
  coffee", "dead tired", "overdosed on netflix", "I'd rather die than drink
  again", "taking my life back", "cut myself shaving", "die of embarrassment").
  A bare "I'm dying" is an emergency unless followed by "lol", "to", "of
  laughter", ...
* "help" on its own, "I'm not okay" and harm to others are not crises (no
  category for harm to others).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final, TypeAlias

from bot.i18n import N_, t

__all__ = ["CrisisKind", "Triage", "crisis_reply", "triage"]


class CrisisKind(StrEnum):
    """What kind of crisis a message signals."""

    SUICIDE_SELF_HARM = "suicide_self_harm"
    OVERDOSE_EMERGENCY = "overdose_emergency"
    # A medicine other than an opioid, or a household product: Poison Control as well as 911.
    POISONING = "poisoning"
    # Not an overdose: a severe allergic reaction, chest pain, alcohol poisoning, a withdrawal
    # seizure. Naloxone is not the answer to these; 911 is.
    MEDICAL_EMERGENCY = "medical_emergency"
    USE_IN_PROGRESS = "use_in_progress"


@dataclass(frozen=True, slots=True)
class Triage:
    """Outcome of :func:`triage`.

    ``matched_rule`` is a stable rule id such as ``"ssh.want_die"`` (for tests
    and metrics). It never contains any of the patient's text.
    """

    kind: CrisisKind | None
    matched_rule: str | None
    # A crisis phrase was there but negated, idiomatic or in the past ("I'm not going to kill
    # myself", "this traffic is killing me"): evidence against a crisis that the learned layer
    # cannot see on its own (bot.safety.net).
    cancelled: bool = field(default=False, compare=False)

    @property
    def is_crisis(self) -> bool:
        return self.kind is not None


_NOT_CRISIS: Final = Triage(None, None)
_FAIL_SAFE: Final = Triage(CrisisKind.SUICIDE_SELF_HARM, "internal.error")

# --------------------------------------------------------------------------
# Replies
# --------------------------------------------------------------------------

# Texts are English catalog ids (N_), said in the language of the message they answer with
# ``t(lang, ...)`` (bot.i18n; Spanish in content/locales/es/LC_MESSAGES/domain.triage.po).
_CARE_TEAM = N_("Your care team has been told and will reach out to you.")
_CARE_TEAM_LATER = N_("When you can, please also tell your care team.")
_HELPLINES = N_(
    "Call or text 988 (Suicide and Crisis Lifeline) any time. "
    "SAMHSA National Helpline: 1-800-662-4357, free, confidential, 24/7."
)

# Each reply names 911 and 988 (a test checks it), says what to do first, and never suggests
# taking more opioids. Facts: ../shared/clinical-facts.md F054, F057, F064-F067, F149-F158.
# {care_team} is _CARE_TEAM, or _CARE_TEAM_LATER when nobody could be told; {helplines} is
# _HELPLINES.
_REPLIES: Final[dict[CrisisKind, str]] = {
    CrisisKind.SUICIDE_SELF_HARM: N_(
        "I'm really glad you told me. You are not alone. "
        "Please call or text 988 (Suicide and Crisis Lifeline) now to talk with "
        "someone, any time. If you might act on these thoughts or are in danger, "
        "call 911 or your local emergency number. "
        "SAMHSA National Helpline: 1-800-662-4357, free, confidential, 24/7. "
        "{care_team} If you can, stay with someone you trust."
    ),
    CrisisKind.OVERDOSE_EMERGENCY: N_(
        "This may be an emergency. Call 911 or your local emergency number now. "
        "If you have naloxone (Narcan), give it now, and again after 2 to 3 "
        "minutes if there is no response. Do not leave the person alone; if they "
        "are breathing, lay them on their side. If it is you, tell someone near you "
        "now. If pills or a medicine other than opioids were taken, also call Poison "
        "Control: 1-800-222-1222. You are not alone. {care_team} {helplines}"
    ),
    CrisisKind.POISONING: N_(
        "This may be an emergency. If anyone is hard to wake, having a seizure or "
        "trouble breathing, call 911 now. Otherwise call Poison Control right now at "
        "1-800-222-1222 (free, 24/7): don't wait for symptoms, and have the bottle with "
        "you. If opioids could be involved, give naloxone (Narcan) if you have it. "
        "Don't leave the person alone. If this was on purpose, you can also call or "
        "text 988 any time. {care_team}"
    ),
    CrisisKind.MEDICAL_EMERGENCY: N_(
        "This may be a medical emergency. Call 911 or your local emergency number now, "
        "especially for swelling of the face, lips, tongue or throat, trouble breathing, "
        "chest pain, fainting or a seizure. Don't drive yourself; stay with someone if "
        "you can. If opioids could be involved, give naloxone (Narcan) if you have it. "
        "{care_team} For a crisis of any kind you can also call or text 988."
    ),
    CrisisKind.USE_IN_PROGRESS: N_(
        "Thank you for telling me. You are not alone. Please never try to "
        "overcome the naltrexone block with more opioids: it can cause a fatal "
        "overdose. If you or anyone is very drowsy, hard to wake or breathing "
        "slowly, call 911 now and give naloxone (Narcan) if you have it. "
        "Don't use alone, and don't drive. "
        "{care_team} {helplines}"
    ),
}
LANGUAGES: Final = ("en", "es")


def crisis_reply(kind: CrisisKind, *, care_team_told: bool = True, lang: str = "en") -> str:
    """The plain-text message the patient sees at once for a crisis of ``kind``.

    ``care_team_told`` is False when nobody could be alerted (someone not yet enrolled): the reply
    must never promise a call that is not coming. ``lang`` is the language of the message it
    answers ("en" or "es"; anything else gets English).
    """
    team = t(lang, _CARE_TEAM if care_team_told else _CARE_TEAM_LATER)
    return t(lang, _REPLIES[kind], care_team=team, helplines=t(lang, _HELPLINES))


# --------------------------------------------------------------------------
# Normalisation
# --------------------------------------------------------------------------

_LETTER_PAIRS: Final = tuple((c + c, c) for c in "abcdefghijklmnopqrstuvwxyz")


def _squash(s: str) -> str:
    """Collapse every run of a repeated letter: "diiie" -> "die", "kill" -> "kil"."""
    for pair, letter in _LETTER_PAIRS:
        while pair in s:
            s = s.replace(pair, letter)
    return s


_Trie: TypeAlias = dict[str, "_Trie"]


def _trie_regex(words: Iterable[str]) -> str:
    """A regex alternation of ``words`` as a trie, preferring the longest word."""
    trie: _Trie = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: _Trie) -> str:
        branches = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return emit(trie)


_APOSTROPHES = "'`´ʹʻʼʽˈ‘’‚‛′＇ꞌ"
_DOUBLE_QUOTES = '"“”„‟″«»'
# Look-alike letters from other scripts that people (or spammers) mix in.
_CONFUSABLES = {
    "а": "a", "е": "e", "ё": "e", "і": "i", "ї": "i", "ј": "j", "к": "k",
    "м": "m", "о": "o", "р": "p", "с": "c", "т": "t", "у": "y", "х": "x",
    "ѕ": "s", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ɡ": "g", "ı": "i",
    "α": "a", "β": "b", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o",
    "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ω": "w",
}  # fmt: skip
_PRE_TABLE: Final[dict[int, str | None]] = {
    **{ord(c): "'" for c in _APOSTROPHES},
    **{ord(c): " " for c in _DOUBLE_QUOTES},
    **{ord(k): v for k, v in _CONFUSABLES.items()},
}
_FOLD_CACHE_LIMIT: Final = 4096


def _fold_char(cp: int) -> str | None:
    """How one code point (after NFKD) is folded; None deletes it."""
    ch = chr(cp)
    if cp < 0x80:
        return ch
    cat = unicodedata.category(ch)
    if cat in ("Mn", "Me", "Cf"):  # accents, zero-width and format characters
        return None
    if cat[0] == "L":
        return ch  # letters of other scripts: kept, later treated as spaces
    if cat == "Nd":
        return str(unicodedata.decimal(ch, 0))
    if cat in ("Zl", "Zp"):
        return "\n"
    if cat == "Pd":
        return "-"
    if cat[0] == "P" and cat not in ("Pi", "Pf"):
        return "."  # other punctuation (。！？…) ends a clause
    return " "  # spaces, emoji, symbols, controls, unassigned, surrogates


class _FoldTable(dict[int, str | None]):
    """``str.translate`` table computed lazily per code point (bounded cache)."""

    def __missing__(self, key: int) -> str | None:
        value = _fold_char(key)
        if len(self) < _FOLD_CACHE_LIMIT:
            self[key] = value
        return value


_FOLD_TABLE: Final = _FoldTable()

# "ODd" is only unambiguous in its original case ("odd" is a word).
_OD_CASED_RE: Final = re.compile(r"\bO\.?D\.?d\b")
# od, o.d., od'd, oded, od-ed, oding, odding, od'ing, ods (not "odd").
_OD_RE: Final = re.compile(
    r"o(?<![a-z0-9_]o)o*\.?d\.?(['-]d+|['-]?e+d+|['-]?d?i+n+g+|['-]?s+|)(?![a-z0-9_])"
)
_OD_FORMS: Final = {"ing": " overdosing ", "s": " overdoses ", "": " overdose "}


def _od_form(m: re.Match[str]) -> str:
    suffix = _squash(m.group(1).lstrip("'-"))
    if suffix.endswith("ing"):
        return _OD_FORMS["ing"]
    return _OD_FORMS.get(suffix, " overdosed ")


_DOTTED_HINT_RE: Final = re.compile(r"[.\-_*~][a-z][.\-_*~]")
_DOTTED_RE: Final = re.compile(r"\b[a-z](?:[.\-_*~][a-z]\b){2,}")
_DOTTED_SEP_RE: Final = re.compile(r"[.\-_*~]")
_CLAUSE_CHARS: Final = ".!?;:,()[]{}<>\n\r|"
_TIDY_TABLE: Final = str.maketrans(
    {
        chr(i): (chr(i).lower() if chr(i).isalnum() else "|" if chr(i) in _CLAUSE_CHARS else " ")
        for i in range(128)
    }
)
_NON_ASCII_RE: Final = re.compile(r"[^\x00-\x7f]+")
_SPACED_HINT_RE: Final = re.compile(r"[ |][a-z] [a-z] [a-z](?![a-z0-9])")
_SPACED_RE: Final = re.compile(r"(?<![a-z0-9])(?:[a-z] ){2,}[a-z](?![a-z0-9])")

_LEET_HINT_RE: Final = re.compile(r"[0-9@$](?:(?<=[a-z].)|(?=[a-z]))")
_LEET_BANG_RE: Final = re.compile(r"![a-z0-9](?<=[a-z]..)")
# Tokens containing a digit or symbol; _leet_token decides what to decode.
_LEET_TOKEN_RE: Final = re.compile(r"(?<![a-z0-9@$!])[a-z0-9@$!]*[0-9@$!][a-z0-9@$!]*")
_LEET_TABLE: Final = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"}
)
_NUMBER_WORD_RE: Final = re.compile(r"(\d+)([a-z]*)")


def _leet_token(m: re.Match[str]) -> str:
    token = m.group()
    core = token.rstrip("!")
    if not core.islower():  # no letter at all: "2020", "$50", "!!!"
        return token
    tail = token[len(core) :]
    number_word = _NUMBER_WORD_RE.fullmatch(core) if core[0].isdigit() else None
    if number_word is not None:
        digits, letters = number_word.groups()
        # "30pills", "50mg", "2nd" are numbers, not leetspeak; "5uicide" is.
        if len(digits) > 1 or len(letters) < 3 or digits not in "013457":
            return token
    return core.translate(_LEET_TABLE) + tail


_CONTRACTIONS_PLAIN: Final[dict[str, str]] = {
    "wanna": "want to", "wan to": "want to", "want 2": "want to", "wnt": "want",
    "wanta": "want to", "wantto": "want to", "want ta": "want to", "wan": "want",
    "gonna": "going to", "gunna": "going to", "gnna": "going to", "gon": "going to",
    "finna": "going to", "goin": "going", "going 2": "going to",
    "bout to": "about to", "boutta": "about to", "abt": "about", "about 2": "about to",
    "tryna": "trying to", "tryin": "trying", "trying 2": "trying to",
    "imma": "im going to", "i am": "im", "i m": "im", "iam": "im",
    "do not": "dont", "dnt": "dont", "does not": "doesnt", "did not": "didnt",
    "can not": "cant", "cannot": "cant", "cnt": "cant", "will not": "wont",
    "is not": "isnt", "are not": "arent", "was not": "wasnt", "were not": "werent",
    "have not": "havent", "has not": "hasnt", "had not": "hadnt",
    "would not": "wouldnt", "could not": "couldnt", "should not": "shouldnt",
    "he is": "hes", "she is": "shes", "they are": "theyre", "it is": "its",
    "what is": "whats", "that is": "thats",
    "u": "you", "ur": "your", "r": "are", "n": "and", "nd": "and", "2": "to",
    "rn": "right now", "rite now": "right now", "atm": "right now",
    "tonite": "tonight", "2nite": "tonight", "2night": "tonight", "nite": "night",
    "2day": "today", "2moro": "tomorrow", "2morrow": "tomorrow", "tmrw": "tomorrow",
    "any more": "anymore", "anymre": "anymore", "nemore": "anymore",
    "idk": "i dont know", "dunno": "dont know", "idc": "i dont care",
    "idgaf": "i dont care", "kinda": "kind of", "sorta": "sort of", "gotta": "got to",
    "cuz": "because", "coz": "because", "cos": "because", "bc": "because",
    "bcuz": "because", "becuz": "because", "pls": "please", "plz": "please",
    "some one": "someone", "some1": "someone", "sum1": "someone", "no1": "no one",
    "noone": "no one", "no body": "nobody", "every1": "everyone", "any1": "anyone",
    "my self": "myself", "me self": "myself", "meself": "myself", "mself": "myself",
    "fuckin": "fucking", "fkn": "fucking", "fking": "fucking", "fkin": "fucking",
    "fcking": "fucking", "effing": "fucking", "freaking": "fucking",
    "freakin": "fucking", "frickin": "fucking", "friggin": "fucking",
    "ded": "dead", "ok": "okay", "okey": "okay", "thru": "through",
    "rly": "really", "jus": "just", "jst": "just", "lyk": "like", "b4": "before",
}  # fmt: skip
_CONTRACTIONS: Final[dict[str, str]] = {
    _squash(k): _squash(v) for k, v in _CONTRACTIONS_PLAIN.items()
}
# Matched on " " + text + " ": a separator, then a whole key (longest first).
_CONTRACTION_RE: Final = re.compile(r"([ |])(" + _trie_regex(_CONTRACTIONS) + r")(?=[ |])")


def _expand_contraction(m: re.Match[str]) -> str:
    return m.group(1) + _CONTRACTIONS[m.group(2)]


_FUZZY_KEYWORDS: Final = (
    "suicide", "suicidal", "overdose", "overdosed", "overdosing", "overdoses",
    "unalive", "myself", "unresponsive", "unconscious", "seizure", "seizures",
    "naltrexone", "vivitrol", "heroin", "fentanyl", "ambulance", "narcan",
    "naloxone", "precipitated", "withdrawal", "breathing",
)  # fmt: skip
_FUZZY_REAL_WORDS: Final = frozenset(
    {"overdone", "overdoes", "herein", "heron", "heroine", "breathing", "breathe"}
)
_ALPHABET: Final = "abcdefghijklmnopqrstuvwxyz"


def _one_edit(word: str) -> Iterable[str]:
    for i in range(len(word) + 1):
        head, tail = word[:i], word[i:]
        if tail:
            yield head + tail[1:]
            if len(tail) > 1:
                yield head + tail[1] + tail[0] + tail[2:]
            for c in _ALPHABET:
                yield head + c + tail[1:]
        for c in _ALPHABET:
            yield head + c + tail


def _build_fuzzy() -> dict[str, str]:
    keywords = [_squash(k) for k in _FUZZY_KEYWORDS]
    protected = set(keywords) | {_squash(w) for w in _FUZZY_REAL_WORDS}
    table: dict[str, str] = {}
    for keyword in keywords:
        for variant in _one_edit(keyword):
            variant = _squash(variant)
            if variant not in protected and variant not in table:
                table[variant] = keyword
    return table


_FUZZY: Final = _build_fuzzy()
_WORD_RE: Final = re.compile(r"[a-z]{4,}")


def _fix_typo(m: re.Match[str]) -> str:
    word = m.group()
    return _FUZZY.get(word, word)


def _base(text: str) -> str:
    """Unicode folding, lower case, OD abbreviations, apostrophes, dotted letters."""
    s = text
    if "OD" in s or "O.D" in s:
        s = _OD_CASED_RE.sub(" overdosed ", s)
    s = s.lower()
    if not s.isascii():
        s = unicodedata.normalize("NFKD", s.translate(_PRE_TABLE)).translate(_FOLD_TABLE)
    if "od" in s or "o.d" in s:
        s = _OD_RE.sub(_od_form, s)
    s = s.replace("'", "").replace("`", "")
    if _DOTTED_HINT_RE.search(s) is not None:
        s = _DOTTED_RE.sub(lambda m: _DOTTED_SEP_RE.sub("", m.group()), s)
    return s


def _tidy(s: str) -> str:
    """Only [a-z0-9] words separated by one " " or, at a clause boundary, "|"."""
    if not s.isascii():
        s = _NON_ASCII_RE.sub(" ", s)
    s = " ".join(s.translate(_TIDY_TABLE).split())
    if "|" in s:
        s = s.replace(" |", "|").replace("| ", "|")
        while "||" in s:
            s = s.replace("||", "|")
    return s.strip(" |")


def _words(s: str) -> frozenset[str]:
    return frozenset(s.replace("|", " ").split())


def _lexical(s: str) -> tuple[str, frozenset[str]]:
    """Squash repeated letters, expand text-speak, fix typos of key words."""
    s = _CONTRACTION_RE.sub(_expand_contraction, f" {_squash(s)} ")[1:-1]
    words = _words(s)
    if not _FUZZY.keys().isdisjoint(words):
        s = _WORD_RE.sub(_fix_typo, s)
        words = _words(s)
    return s, words


def _variants(text: str) -> tuple[tuple[str, frozenset[str]], ...]:
    """Normalised forms of ``text`` with their word sets.

    The first is plain; the second (only if it differs) also decodes leetspeak
    and spelled-out letters. Words are separated by exactly one character:
    ``" "`` inside a clause or ``"|"`` at a clause boundary.
    """
    base = _base(text)
    tidy = _tidy(base)
    plain = _lexical(tidy)
    leet = _LEET_HINT_RE.search(base) is not None or _LEET_BANG_RE.search(base) is not None
    if leet or _SPACED_HINT_RE.search(f" {tidy}") is not None:
        decoded_tidy = _tidy(_LEET_TOKEN_RE.sub(_leet_token, base)) if leet else tidy
        decoded_tidy = _SPACED_RE.sub(lambda m: m.group().replace(" ", ""), decoded_tidy)
        decoded = _lexical(decoded_tidy)
        if decoded[0] != plain[0]:
            return (plain, decoded)
    return (plain,)


# --------------------------------------------------------------------------
# Pattern compilation
# --------------------------------------------------------------------------

_MACROS: Final[dict[str, str]] = {
    # intensifiers that may sit inside a phrase ("want to just fucking die")
    "<INT>": (
        r"(?:(?:just|really|fucking|so|literally|honestly|actually|seriously|truly|"
        r"kind of|pretty|very|even|finally|already|simply|quietly|peacefully|"
        r"totally|completely|probably|definitely|go|lay down and|curl up and) )*"
    ),
    "<OPI>": (
        r"(?:heroin|heroine|dope|fent\w*|fetty|fenty|carfent\w*|smack|black tar|"
        r"oxy|oxys|oxies|oxycodone|oxycontin|roxy|roxies|roxys|roxicodone|"
        r"percs?|percocets?|perc ?30s?|m ?30s?|dilaudid|hydros?|hydrocodone|"
        r"vicodin|norco|morphine|opioids?|opiates?|opies|painkillers|pain ?pills|"
        r"methadone|subs|suboxone|bupe|kratom|tramadol|codeine|tranq|"
        r"xylazine|china white|speedballs?)"
    ),
    "<OPIPILL>": (
        r"(?:oxy|oxys|oxies|oxycodone|oxycontin|roxy|roxies|roxys|percs?|percocets?|"
        r"m ?30s?|dilaudid|hydros?|hydrocodone|vicodin|norco|painkillers|pain ?pills|"
        r"tramadol|codeine|fent pills|fentanyl pills|blues)"
    ),
    "<QTY>": (
        r"(?:(?:some|more|a|a bit of|a lot of|alot of|lots of|tons of|so much|a shot of|"
        r"a line of|a hit of|a bump of|a bag of|a point of|a bundle of|a gram of|a few|"
        r"a little|a couple|the) )?"
    ),
    "<BENZO>": (
        r"(?:xanax|xans|xannies|bars|benzos?|klonopin|valium|ativan|ambien|"
        r"sleeping pills|sleeping tablets)"
    ),
    "<STIM>": r"(?:meth|crystal meth|coke|cocaine|crack|molly|mdma|ketamine)",
    "<NALT>": (
        r"(?:(?:the|my|this|that|your) )?(?:naltrexone|vivitrol|revia|nal|shot|"
        r"injection|implant|blockers?|block|blockade|blocking effect|antagonist|"
        r"meds|medication)"
    ),
    "<RECENT>": (
        r"(?:just now|right now|today|tonight|last night|this morning|"
        r"this afternoon|this evening|an hour ago|hours ago|minutes ago|"
        r"a few minutes ago|earlier|again|yesterday|just)"
    ),
}
_MACROS["<DRUG>"] = f"(?:{_MACROS['<OPI>']}|{_MACROS['<BENZO>']}|{_MACROS['<STIM>']})"

_LITERAL_RUN_RE: Final = re.compile(r"(?<!\\)[a-z]+")


def _prep(source: str) -> str:
    """Expand macros, squash literal letter runs, let a space match any word gap."""
    for name, value in _MACROS.items():
        source = source.replace(name, value)
    source = _LITERAL_RUN_RE.sub(lambda m: _squash(m.group()), source)
    return source.replace(" ", "[ |]")


# Prefilter. Scanning a 4 KB message once per pattern is the main cost, so every
# pattern gets a requirement derived mechanically from its (prepared) source: a
# conjunction of clauses, each a disjunction of whole words (checked against the
# message's word set) or substrings. A pattern is searched only when all its
# clauses hold. The derivation is conservative: anything it does not understand
# adds no clause, and an unsupported construct fails loudly at import time.


@dataclass(frozen=True, slots=True)
class _Lit:
    ch: str


@dataclass(frozen=True, slots=True)
class _Atom:
    sep: bool  # consumes one character; True only for the word gap "[ |]"


@dataclass(frozen=True, slots=True)
class _Zero:
    boundary: bool  # \b, ^, $: True; lookarounds (transparent): False


@dataclass(frozen=True, slots=True)
class _Group:
    alts: tuple[tuple[_Node, ...], ...]


@dataclass(frozen=True, slots=True)
class _Rep:
    item: _Node
    min: int


_Node = _Lit | _Atom | _Zero | _Group | _Rep
_Clause = frozenset[tuple[bool, str]]  # (is whole word, text); any one suffices


class _Parser:
    """Parser for the regex subset the rules use."""

    def __init__(self, source: str) -> None:
        self.src = source
        self.i = 0

    def parse(self) -> _Group:
        group = self.alternation()
        if self.i != len(self.src):
            raise ValueError(f"unbalanced pattern at {self.i}: {self.src!r}")
        return group

    def alternation(self) -> _Group:
        alts = [self.sequence()]
        while self.src.startswith("|", self.i):
            self.i += 1
            alts.append(self.sequence())
        return _Group(tuple(alts))

    def sequence(self) -> tuple[_Node, ...]:
        items: list[_Node] = []
        while self.i < len(self.src) and self.src[self.i] not in "|)":
            items.append(self.quantified(self.atom()))
        return tuple(items)

    def group_body(self) -> _Group:
        group = self.alternation()
        if not self.src.startswith(")", self.i):
            raise ValueError(f"missing ')' in {self.src!r}")
        self.i += 1
        return group

    def atom(self) -> _Node:
        src, i = self.src, self.i
        c = src[i]
        if c == "(":
            for look in ("(?=", "(?!", "(?<=", "(?<!"):
                if src.startswith(look, i):
                    self.i += len(look)
                    self.group_body()
                    return _Zero(False)
            self.i += 3 if src.startswith("(?:", i) else 1
            if src.startswith("?", self.i):
                raise ValueError(f"unsupported group in {src!r}")
            return self.group_body()
        if c == "[":
            end = src.index("]", i + 2)
            self.i = end + 1
            return _Atom(src[i : end + 1] == "[ |]")
        if c == "\\":
            escaped = src[i + 1]
            self.i += 2
            if escaped == "b":
                return _Zero(True)
            if escaped in "wdsWDS":
                return _Atom(False)
            if escaped.isalnum():
                raise ValueError(f"unsupported escape \\{escaped} in {src!r}")
            return _Lit(escaped)
        if c in "^$":
            self.i += 1
            return _Zero(True)
        if c == ".":
            self.i += 1
            return _Atom(False)
        if c in "?*+{":
            raise ValueError(f"quantifier without atom in {src!r}")
        self.i += 1
        return _Lit(c)

    def quantified(self, node: _Node) -> _Node:
        src = self.src
        if self.i >= len(src) or src[self.i] not in "?*+{":
            return node
        c = src[self.i]
        if c == "{":
            end = src.index("}", self.i)
            low = int(src[self.i + 1 : end].split(",")[0] or "0")
            self.i = end + 1
        else:
            low = 1 if c == "+" else 0
            self.i += 1
        if self.i < len(src) and src[self.i] == "?":
            self.i += 1  # lazy
        return _Rep(node, low)


def _gap_before(items: tuple[_Node, ...], k: int, outer: bool) -> bool:
    """Is the text just before ``items[k]`` always a word gap or the start?"""
    while k > 0:
        item = items[k - 1]
        if isinstance(item, _Zero):
            if item.boundary:
                return True
            k -= 1
        elif isinstance(item, _Atom):
            return item.sep
        elif isinstance(item, _Lit):
            return False
        elif isinstance(item, _Group):
            before = _gap_before(items, k - 1, outer)
            return all(_gap_before(alt, len(alt), before) for alt in item.alts)
        else:
            ends = _gap_before((item.item,), 1, False)
            return ends if item.min else ends and _gap_before(items, k - 1, outer)
    return outer


def _gap_after(items: tuple[_Node, ...], k: int, outer: bool) -> bool:
    """Is the text just after ``items[k - 1]`` always a word gap or the end?"""
    while k < len(items):
        item = items[k]
        if isinstance(item, _Zero):
            if item.boundary:
                return True
            k += 1
        elif isinstance(item, _Atom):
            return item.sep
        elif isinstance(item, _Lit):
            return False
        elif isinstance(item, _Group):
            after = _gap_after(items, k + 1, outer)
            return all(_gap_after(alt, 0, after) for alt in item.alts)
        else:
            starts = _gap_after((item.item,), 0, False)
            return starts if item.min else starts and _gap_after(items, k + 1, outer)
    return outer


_COMMON_WORDS: Final = frozenset(
    _squash(w)
    for w in (
        "i", "a", "to", "the", "my", "me", "and", "it", "is", "im", "you", "of", "in",
        "on", "so", "just", "not", "no", "be", "at", "for", "that", "this", "with", "do",
        "dont", "have", "get", "go", "up", "out", "all", "like", "feel", "want", "going",
        "about", "what", "can", "cant", "will", "he", "she", "they", "we", "her", "him",
        "them", "his", "its", "was", "are", "or", "if", "but", "now", "know", "think",
        "really", "some", "more", "one", "off", "a", "an", "ill", "got", "had", "did",
    )
)  # fmt: skip


def _clause_score(clause: _Clause) -> tuple[bool, bool, int, int]:
    return (
        all(whole for whole, _ in clause),
        not any(text in _COMMON_WORDS for _, text in clause),
        -len(clause),
        min(len(text) for _, text in clause),
    )


def _sequence_clauses(items: tuple[_Node, ...], before: bool, after: bool) -> list[_Clause]:
    clauses: list[_Clause] = []
    k = 0
    while k < len(items):
        item = items[k]
        if isinstance(item, _Lit):
            j = k
            while j < len(items) and isinstance(items[j], _Lit):
                j += 1
            text = "".join(lit.ch for lit in items[k:j] if isinstance(lit, _Lit))
            whole = _gap_before(items, k, before) and _gap_after(items, j, after)
            if whole or len(text) > 1:
                clauses.append(frozenset({(whole, text)}))
            k = j
            continue
        if isinstance(item, _Group):
            clauses += _group_clauses(
                item, _gap_before(items, k, before), _gap_after(items, k + 1, after)
            )
        elif isinstance(item, _Rep) and item.min and isinstance(item.item, _Group):
            clauses += _group_clauses(item.item, False, False)
        k += 1
    return clauses


def _group_clauses(group: _Group, before: bool, after: bool) -> list[_Clause]:
    per_alt = [_sequence_clauses(alt, before, after) for alt in group.alts]
    if len(per_alt) == 1:
        return per_alt[0]
    if not all(per_alt):
        return []
    return [frozenset().union(*(max(c, key=_clause_score) for c in per_alt))]


@dataclass(frozen=True, slots=True)
class _Alt:
    """One alternative of a rule: a compiled pattern and its prefilter."""

    pattern: re.Pattern[str]
    clauses: tuple[tuple[frozenset[str], tuple[str, ...]], ...]  # (words, substrings)

    def possible(self, s: str, words: frozenset[str]) -> bool:
        for clause_words, substrings in self.clauses:
            if clause_words.isdisjoint(words) and not any(sub in s for sub in substrings):
                return False
        return True


def _compile_alt(source: str) -> _Alt:
    prepared = _prep(source)
    clauses = _group_clauses(_Parser(prepared).parse(), False, False)
    return _Alt(
        re.compile(prepared),
        tuple(
            (
                frozenset(text for whole, text in clause if whole),
                tuple(sorted(text for whole, text in clause if not whole)),
            )
            for clause in clauses
        ),
    )


@dataclass(frozen=True, slots=True)
class _Rule:
    id: str
    kind: CrisisKind
    priority: int
    alts: tuple[_Alt, ...]
    negatable: bool
    veto_before: re.Pattern[str] | None


_SSH = CrisisKind.SUICIDE_SELF_HARM
_OD = CrisisKind.OVERDOSE_EMERGENCY
_USE = CrisisKind.USE_IN_PROGRESS
_POI = CrisisKind.POISONING
_MED = CrisisKind.MEDICAL_EMERGENCY


def _rule(
    rule_id: str,
    kind: CrisisKind,
    priority: int,
    *alternatives: str,
    negatable: bool = True,
    veto_before: str | None = None,
) -> _Rule:
    veto = None if veto_before is None else re.compile(_prep(veto_before) + r"[ |]?$")
    alts = tuple(_compile_alt(a) for a in alternatives)
    return _Rule(rule_id, kind, priority, alts, negatable, veto)


# Nouns that make "shot up", "high right now", "not responding" not about a person.
_THING_SUBJECT = (
    r"\b(?:anxiety|stress|cravings?|craving|pressure|bp|sugar|rate|pulse|"
    r"temperature|fever|tolerance|risk|levels?|mood|spirits|hopes|energy|pain|"
    r"prices?|price|numbers|scores?|weight|sales|stocks?|costs?|bills?|rent|"
    r"hand|hands|eyebrows|app|bot|phone|site|website|page|server|"
    r"computer|laptop|screen|system|link|button|emails?|texts?|messages?|"
    r"clinic|doctor|dr|pharmacy|pharmacist|insurance|nurse|therapist|"
    r"counselor|counsellor|office|telegram|chat|support|team|manager|sponsor|"
    r"wifi|internet|battery)\b"
    r"(?: (?:is|are|was|were|just|still|really|so|very|super|pretty|too|way|has|have|"
    r"had|been|kind of|getting|got|went|all|keeps|kept))*"
)
# What follows "(tengo|compré) una cuerda/navaja/pistola para" when it is an everyday tool, not a
# means ("para tender la ropa", "para el trabajo", "pa cazar"). The check rules use it too.
EVERYDAY_TOOL_USES_ES = (
    r"(?:tender|la ropa|el tendedero|el trabajo|trabajar|cazar|pescar|acampar|el campo|"
    r"la mudanza|amarrar|atar|el perro|la cocina|cocinar|cortar|defensa|protegerme|proteger|"
    r"mi casa|la casa|el rancho|la obra|escalar|saltar|brincar|el gimnasio|el gym|"
    r"hacer ejercicio)\b"
)
_DEVICE_SUBJECT = (
    r"\b(?:app|bot|phone|site|website|page|server|computer|laptop|screen|system|link|"
    r"button|telegram|chat|wifi|internet|printer|game|tv|emails?)\b"
    r"(?: (?:is|was|just|still|keeps|kept|has|have|been))*"
)

# "I used heroin for ten years", "relapsed two years ago": history, not now.
_HISTORY_TAIL = (
    r"(?!(?: \w+){0,3} (?:for (?:\d+|a|many|several|a few|two|three|four|five|ten|"
    r"years|months|most|half|a long)\b|(?:years?|yrs|months?) ago|last (?:year|month)|"
    r"in the past|before (?:i|naltrexone|vivitrol|starting|treatment|rehab|getting|this)|"
    r"back (?:then|when|in)|when i was|in my (?:teens|twenties|20s|30s|youth)|"
    r"in (?:high school|college|19\d\d|20\d\d)|every day for|daily for|"
    r"(?:a|one|two|three|several) decades? ago|ages ago|a (?:long )?(?:time|while) ago|"
    r"when (?:i|he|she|they|we) (?:was|were) (?:a |in |)(?:teen|teenager|kid|young|younger|"
    r"little|child|student)|as a (?:teen|teenager|kid)|before (?:i|he|she|they) got "
    r"(?:clean|sober)|hace (?:\w+ )?(?:anos|meses|tiempo)|el ano pasado|cuando (?:era|tenia|"
    r"estaba)|b4 (?:i|he|she) started|before (?:treatment|rehab|i started)|antes del "
    r"tratamiento))"
)

_DIE_IDIOM_TAIL = (
    r"(?! (?:of|from) (?:laughter|laughing|embarrassment|boredom|happiness|hunger|heat|thirst|"
    r"cold|starvation|old age|"
    r"cuteness|shame|cringe|joy|jealousy|curiosity)| laughing| for\b(?! real| sure)"
    r"| on this hill| happy| a happy| old| of old age| someday| one day| eventually)"
)
# "(I don't want to) live / go on / wake up ...", without everyday uses such as
# "go on a trip", "keep going to meetings", "wake up early", "make it to my appointment".
_NOT_WANT = (
    r"\b(?:dont|didnt|doesnt|no longer|not|never|hardly|no) <INT>(?:want|wish|care|"
    r"feel like|need) (?:to )?<INT>"
)
_GO_ON = (
    r"(?:(?:live|living|be alive|being alive|exist|existing|be here|be around|"
    r"keep living|continue living|be on this earth|be in this world|do this anymore|"
    r"do life|survive|live anymore)\b"
    r"|(?:go on|going on)\b(?! (?:a|the|vacation|holiday|trip|dates?|with|about|"
    r"medication|meds|naltrexone|vivitrol|it|that|this|there|to|online|line|social|"
    r"instagram|tiktok|facebook|and|at|in|for)\b)"
    r"|keep going\b(?! (?:to|with|back|out|there)\b)"
    r"|(?:wake up|waking up)\b(?! (?:early|so early|at|for (?:work|school|class)|in the "
    r"mornings?|on time|before|anymore without)\b)"
    r"|make it\b(?! (?:to|on time|in time|today|there|work|class|back|home|out|up|a)\b)"
    r"(?: through (?:the night|tonight|another day))?|last much longer\b)"
)

_RULES_UNSORTED: Final[tuple[_Rule, ...]] = (
    # ---------------------------------------------------------------- overdose
    _rule(
        "od.overdosing",
        _OD,
        100,
        r"\boverdosing\b",
        r"\boverdosed\b" + _HISTORY_TAIL,
        r"\b(?:i|he|she|they|we|think i|think he|think she|i just|he just|she just) od\b",
        r"\b(?:having|had|have|took|taking|take|suffering|experiencing|going through|"
        r"in the middle of) an? (?:opioid |accidental |bad |)?overdose\b" + _HISTORY_TAIL,
        r"\b(?:this is|its|this looks like|looks like) an? (?:opioid |)?overdose\b",
    ),
    _rule(
        "od.too_much",
        _OD,
        100,
        r"\b(?:took|taken|take|taking|swallowed|swallowing|popped|popping|used|using|"
        r"snorted|snorting|shot|injected|smoked|had|did|done|doing|ate) "
        r"(?:way |far |a bit |a little |)?too (?:many|much)\b"
        r"(?! (?:time|money|effort|energy|space|notice|care|attention|work|of my time|"
        r"on my plate|to heart|personally|seriously|shit|crap|stress|pressure|"
        r"caffeine|coffee|sugar|food|naps?|sleep|melatonin|vitamins?|fiber|water|"
        r"salt|data|screen time|time off|days off|sick days|breaks?|to drink|"
        r"drinks?|beers?|wine))",
        r"\btook (?:way |a lot |a bit |alot |much |so much |far )?more (?:than (?:i should|"
        r"prescribed|i meant|i was supposed|usual|normal|the dose|my dose|\d+)|pills|tablets)\b",
    ),
    _rule(
        "od.pills",
        _OD,
        100,
        r"\b(?:took|taken|swallowed|popped|downed|ate|took like) (?:a (?:handful|bunch|lot|"
        r"ton|load|whole bunch|shit ton|fistful|mouthful)|handfuls|lots|loads|tons|like \d+|"
        r"\d{2,}|twenty|thirty|forty|fifty|hundred|a hundred|dozens|a dozen) (?:of )?"
        r"(?:\w+ ){0,2}?(?:pills|tablets|tabs|meds|medication|"
        r"medicine|capsules|caps|tylenol|advil|ibuprofen|aspirin|<BENZO>|<OPIPILL>|"
        r"naltrexone|antidepressants|insulin|them)\b",
        r"\b(?:took|taken|swallowed|popped|downed|ate|drank|drunk|finished) (?:the whole|"
        r"a whole|an entire|the entire|half the|half a|the rest of the|a) "
        r"(?:bottle|bottles|pack|packet|box|strip|blister pack|sleeve)\b"
        r"(?! of (?:water|wine|beer|soda|coke|"
        r"juice|milk|tea|coffee|gum|cigarettes|smokes|chips|cookies|cereal|crackers)\b)",
        r"\b(?:took|taken|swallowed|popped|downed|ate) (?:all|all of) (?:my |the |his |"
        r"her |them|those|these)(?:\w+ ){0,2}(?:at once|together|in one go|i had|i have|"
        r"i could find|left|in the bottle|from the bottle|in the house)\b",
    ),
    _rule(
        "od.breathing",
        _OD,
        100,
        r"\b(?:cant|unable to|struggling to|hard to|hard time|trouble|difficulty|barely|"
        r"not|isnt|arent|wasnt|stopped|stop|quit|wont|couldnt|no longer|can barely|"
        r"cant even|having trouble|having a hard time|having difficulty) <INT>"
        r"(?:breathe|breathing|breath|breathin|breating|get air|get any air|"
        r"catch (?:my|his|her|their) breath)\b"
        r"(?! (?:through (?:my|his|her|the|your) nose|out of (?:my|one) nostril|"
        r"down my neck))",
        r"\bbreathing (?:is |has |seems |sounds |got |went |)(?:really |very |so |super |"
        r"kind of |real |)(?:slow|slowed|slowly|shallow|shallowly|weird|funny|strange|"
        r"rattling|gurgling|raspy|labored|laboured|irregular|stopped|stopping|slowing|"
        r"off|bad)\b",
        r"\bshort(?:ness)? of breath\b",
        r"\bgasping\b",
        r"\b(?:gurgling|snoring) (?:sounds?|noises?|weird|really loud|and wont wake)\b",
        r"\bdeath rattle\b",
        r"\bchoking on (?:his|her|their|my) (?:own )?(?:vomit|puke|throw up|tongue)\b",
        r"\b(?:im|hes|shes|theyre|is) choking\b",
    ),
    _rule(
        "od.chest",
        _MED,
        100,
        r"\bchest (?:pain|pains|hurts|is hurting|hurting|tight|tightness|is tight|"
        r"feels tight|pressure|feels heavy|is heavy|is pounding|is on fire|is burning|"
        r"feels like its being crushed|is killing me)\b",
        r"\bpain in (?:my|his|her|the) chest\b",
        r"\bheart attack\b",
        r"\bhaving a stroke\b",
        r"\bheart (?:is |keeps |)(?:stopping|stopped|skipping beats|pounding out of my "
        r"chest|beating out of my chest)\b",
        r"\bcardiac arrest\b",
    ),
    _rule(
        "od.blue",
        _OD,
        100,
        r"\b(?:lips|face|skin|fingers|fingertips|nails|fingernails|toes|mouth) (?:are |is |"
        r"look |looks |went |turned |turning |going |getting |kind of |a bit |all |really |"
        r"so |)*(?:blue|purple|gray|grey|bluish)\b",
        r"\bblue lips\b",
        r"\b(?:turning|turned|went|going|gone) blue\b",
        r"\bblue (?:in the face|around the lips|around the mouth)\b",
    ),
    _rule(
        "od.unresponsive",
        _OD,
        100,
        r"\bunresponsive\b",
        r"\bunconscious\b",
        r"\b(?:is|hes|shes|theyre|passed) out cold\b",
        r"\b(?:isnt|not|wont|cant|arent|wasnt|stopped|no longer|hasnt been|isnt even|"
        r"not even|barely) (?:responding|respond|responsive|reacting|react|waking up|"
        r"wake up|waking|moving|coming to|come to|coming round|coming around|"
        r"answering me|opening (?:his|her|their) eyes)\b"
        r"(?! to (?:my |me\b|texts|calls|emails|messages|the |treatment|naltrexone|"
        r"vivitrol|meds|medication|it\b))"
        r"(?! (?:in the mornings?|early|on time|for (?:work|school|class)|before|at \d))",
        r"\bcant (?:wake|rouse|get) (?:him|her|them|my \w+|\w+) (?:up|to wake up|to respond|"
        r"awake)\b",
        r"\bcant wake (?:him|her|them)\b",
        r"\bwont wake (?:\w+ )?up\b",
        r"\b(?:he|she|they|hes|shes|my \w+) (?:wont|will not|cant|doesnt|isnt) (?:wake|waking)\b"
        r"(?! (?:me|us|up early|up for|up at|up on time|up in the)\b)",
        r"\bno pulse\b(?! (?:issues?|problems?|checks?|ox\w*|readings?|rate|monitor)\b)"
        r"|\bcant find (?:a|his|her|their) pulse\b",
        r"\bpassed out (?:and|but) (?:wont|cant|not|isnt|hasnt|no longer|still not|"
        r"still wont|blue)\b",
        r"\b(?:collapsed|collapsing)\b(?! (?:stars?|in tears|on the couch|on the bed|"
        r"into bed|in bed|on my bed|laughing|from laughing))",
        r"\bfainted\b",
        veto_before=_DEVICE_SUBJECT,
    ),
    _rule(
        "od.seizure",
        _OD,
        100,
        r"\bseizures?\b" + _HISTORY_TAIL,
        r"\bseizing\b",
        r"\bconvuls\w*",
        r"\bhaving a fit\b",
        r"\bfoaming at the mouth\b",
        r"\bfoam (?:coming out of|from|around) (?:his|her|their|my) mouth\b",
        r"\bshaking uncontrollably\b",
    ),
    _rule(
        "od.dying",
        _OD,
        100,
        r"\b(?:think|feel like|feels like|scared|afraid|worried|sure|pretty sure|certain|"
        r"know) (?:that )?(?:im|i|hes|shes|theyre|he|she|they|my \w+ is|my \w+) "
        r"(?:going to |about to |gonna |might |may |could |will |)(?:dying|die|pass out|"
        r"stop breathing|overdose|not make it|not wake up)\b" + _DIE_IDIOM_TAIL,
        r"\b(?:im|hes|shes|theyre|he is|she is) dying\b(?! (?:to|of|for|laughing|lol|lmao|"
        r"lmfao|haha|hahaha|rofl|xd|over|inside|from laughter|from laughing|from the heat|"
        r"from this heat|here lol|of laughter|of boredom|of cuteness|of embarrassment|"
        r"my hair|to know|to see|to try))",
    ),
    _rule(
        "od.naloxone",
        _OD,
        100,
        r"\b(?:gave|give|giving|given|used|using|use|administer|administered|"
        r"administering|sprayed|spray|hit (?:him|her|them) with|need to give|"
        r"should i give|do i give) (?:him|her|them|my \w+|it|a|an|some|the|another|"
        r"second|more|his|their)? ?(?:dose of |shot of |spray of |)?(?:narcan|naloxone)\b"
        r"(?! (?:kit|kits|spray kit|training|prescription|to carry|to keep|at the pharmacy|"
        r"from the pharmacy|by the pharmacy|by my doctor))",
        r"\b(?:narcan|naloxone) (?:isnt|not|didnt|doesnt|wont|hasnt) (?:working|work|"
        r"worked|helping|help|doing anything|waking)\b",
        r"\b(?:another|second|more|a second|2nd|third|3rd) (?:dose of |hit of |spray of |)?"
        r"(?:narcan|naloxone)\b",
        r"\b(?:narcan|naloxone) (?:now|asap|quick|quickly|fast|right now|please)\b",
        r"\bwhere(?:s| is) (?:the |my |your )?(?:narcan|naloxone)\b",
        negatable=False,
    ),
    _rule(
        "od.call_emergency",
        _OD,
        95,
        r"\b(?:call|calling|called|dial|dialing|dialed|ring|phone|should i call|do i call|"
        r"need|needs|get|getting|send|sending) (?:an? |the )?(?:911|999|112|000|"
        r"ambulance|ems|paramedics|emergency services)\b",
        r"\b(?:take|taking|took|rush|rushing|rushed|drive|driving|drove) (?:him|her|them|me|"
        r"my \w+) to (?:the )?(?:er|emergency room|hospital|urgent care)\b",
        r"\b(?:its an|this is an|having an|having a|medical) emergency\b",
    ),
    _rule(
        "od.withdrawal",
        _MED,
        90,
        r"\b(?:im|in|into|having|going through|gone into|went into|put me in|sent me into|"
        r"threw me into|thrown into|think its|think im in|its|this is|got|get|"
        r"getting) (?:full blown |severe |bad |really bad |some |)?precipitated "
        r"(?:withdrawal|withdrawals|wd)\b",
        r"\balcohol poisoning\b",
        r"\b(?:throwing up|vomiting|puking|coughing up|spitting up) blood\b",
        r"\b(?:cant|wont) stop (?:throwing up|vomiting|puking|shaking)\b",
        r"\bdelirium tremens\b",
        r"\b(?:the|having|have|got) dts\b",
    ),
    _rule("od.emergency_number", _OD, 45, r"\b911\b"),
    _rule(
        "od.es_overdose_mention",
        _OD,
        50,
        r"\b(?:sobredosis|sobre dosis)\b" + _HISTORY_TAIL,
    ),
    _rule("od.overdose_mention", _OD, 50, r"\boverdos(?:e|es)\b" + _HISTORY_TAIL),
    # -------------------------------------------------------- suicide / self-harm
    _rule(
        "ssh.kill_self",
        _SSH,
        80,
        r"\b(?:kill|killing|killed|kills) ?myself\b",
        r"\b(?:to|ill|just|might|should|could|finally) off myself\b",
        r"\boffing myself\b",
        r"\bend(?:ing)? myself\b",
        r"\bend my (?:own )?(?:life|existence)\b",
        r"\b(?:take|taking|took) my (?:own )?life\b(?! back)",
        r"\bunaliv\w*",
        r"\bsewer ?slid\w*",
        r"\bself ?(?:delete|deleting|deletion)\b",
        r"\bcommit (?:sudoku|toaster bath|die)\b",
        r"\b(?:hang|hanging|hung|shoot|shooting|shot|stab|stabbing|drown|drowning|poison|"
        r"poisoning|suffocate|suffocating|gas|electrocute|electrocuting|strangle|"
        r"strangling|starve|starving) myself\b(?! in the foot| up)",
        r"\bnoose\b",
        r"\b(?:blow|blew|blowing) my brains out\b",
        r"\bgun to my head\b",
        r"\bbullet (?:in|through) my (?:head|brain)\b",
        r"\bput a bullet\b",
        r"\b(?:jump|jumping|jumped) (?:off|from) (?:a|the|this|that|my) (?:bridge|building|"
        r"roof|balcony|cliff|overpass|parking garage|tower|window|ledge)\b",
        r"\b(?:jump|jumping|step|stepping|walk|walking|throw myself|throwing myself) in "
        r"front of (?:a |the )?(?:train|car|bus|truck|traffic|subway)\b",
        r"\b(?:drive|driving|crash|crashing) (?:my car )?(?:off|into) (?:a|the) (?:bridge|"
        r"cliff|wall|tree|river|lake|ocean|pole)\b",
        r"\b(?:slit|slitting|slash|slashing|cut|cutting) (?:open )?my (?:wrists?|throat)\b",
        r"\bpills to end it\b",
        r"\b(?:kill|killing|killed|kills) (?:himself|herself|themselves|themself|yourself)\b",
        r"\brope (?:around|round) my neck\b",
        r"\b(?:bought|got) (?:a )?(?:rope|gun) (?:to|for) (?:end|kill|myself|hang)\b",
        r"\b(?:saving|saved|stockpiling|stockpiled|hoarding|hoarded|collecting) (?:up )?"
        r"(?:my |all my |the |some )?(?:pills|meds|medication|tablets|<BENZO>|<OPIPILL>)\b",
        # hashtags and spelled-out letters joined up ("i w a n t t o d i e")
        r"\b(?:i)?(?:wantodie|wanadie|wantokilmyself|wanakilmyself|wishiwasdead|"
        r"wishiweredead|endmylife|kilmyself|betterofdead)\b",
    ),
    _rule("ssh.kms", _SSH, 80, r"\bkms\b", r"\bk m s\b", r"\bkys\b", r"\bk y s\b"),
    # Below the other suicide rules: a phrase with intent names itself, a bare mention is weak.
    _rule("ssh.suicide", _SSH, 70, r"\bsuicid\w*"),
    _rule(
        "ssh.overdose_intent",
        _SSH,
        85,
        r"\b(?:want|wanted|going|planning|plan|ready|trying|tempted|thinking about|"
        r"thought about|think about|considering|decided|might|could|should|will|ill) "
        r"(?:to )?<INT>(?:overdose|overdosing)\b",
        r"\boverdos\w* on purpose\b",
        r"\b(?:intentionally|deliberately|purposely|purposefully) overdos\w*",
        r"\b(?:want|going|about|planning|plan|ready|thinking about|tempted|decided|might|"
        r"should|could|will|ill) (?:to )?<INT>(?:take|swallow|down|eat|pop) (?:all|"
        r"all of|the whole|a whole|an entire|the rest of|a bunch of|a handful of|a ton of|"
        r"a lot of) (?:my |the |these |those |of my |of the )?(?:pills|tablets|bottle|pack|"
        r"box|<BENZO>|<OPI>|naltrexone|tylenol|meds at once)\b",
    ),
    _rule(
        "ssh.want_die",
        _SSH,
        80,
        r"\b(?:want|wanted|wanting|wish|wishing|ready|prefer|hope|hoping|pray|praying|"
        r"deserve|need|going|trying|planning|plan|decided|choose|choosing|rather|"
        r"about) (?:to )?<INT>(?:die|be dead|not exist|not be alive|stop existing|"
        r"cease to exist|stop living|disappear forever|disappear for good|sleep forever|"
        r"be gone forever|not wake up|never wake up|not be here|not be around)\b" + _DIE_IDIOM_TAIL,
        r"\b(?:should|might|will|ill) <INT>(?:die|be dead)\b" + _DIE_IDIOM_TAIL,
        r"\bwish (?:i|i could|i would|i was|i were|that i|i had) <INT>(?:die|died|was dead|"
        r"were dead|be dead|dead|never born|never been born|not born|not alive|"
        r"wasnt alive|wasnt born|wasnt here|werent here|not here|gone|could disappear|"
        r"disappear|not wake up|didnt wake up|wouldnt wake up|never woke up|"
        r"never existed|didnt exist)\b",
        r"\b(?:wish|hope|pray|praying|hoping) (?:someone|somebody|something|god|a car|a bus|"
        r"a truck|it) (?:would|could|will) (?:just )?(?:kill me|end me|take me|hit me)\b",
        r"\b(?:please|someone|somebody|just|god|could someone|can someone|want someone to|"
        r"need someone to|wish someone would) (?:please |just )?kill me\b",
        r"\bkill me now\b",
        r"\b(?:let me|let myself) die\b",
        r"\b(?:rather|prefer to) (?:be dead|die)\b",
        r"\bbetter off (?:dead|without me|if i (?:was|were|wasnt|werent|died|die|"
        r"disappeared|never)|with me gone|when im gone|if im gone)\b",
        r"\b(?:world|everyone|everybody|family|kids|they|people|my \w+) (?:would be|will be|"
        r"is|are|would all be|be) (?:so much |much |a lot )?better (?:off )?"
        r"(?:without me|if i (?:was|were|wasnt) (?:gone|dead|here))\b",
        r"\bdeserve to die\b",
        r"\b(?:thinking|think|thought|thoughts) (?:about|of) (?:dying|death|being dead|"
        r"not being here|not waking up|not existing|ending it|ending things)\b",
        r"\bready to leave this (?:world|earth)\b",
        r"\bfeel(?:s|ing)? like (?:im )?(?:dying|i want to die|i should die)\b" + _DIE_IDIOM_TAIL,
    ),
    _rule(
        "ssh.end_it",
        _SSH,
        80,
        r"\bend(?:ing)? it all\b",
        r"\bto <INT>(?:end|ending) (?:it|things|everything|my life|my suffering|"
        r"the pain)\b(?! with| between| off)",
        r"\b(?:gonna|will|ill|should|could|might|just|wanna) <INT>end (?:it|things|everything)"
        r"\b(?! with| between| off)",
        r"\bend it (?:tonight|today|now|soon|for good|forever|once and for all)\b",
        r"\bending (?:it|things)\b(?! with| between| off)",
        r"\b(?:im|i am|am|gonna be|going to be) ending my life\b|^ending my life\b",
        # short messages are the rules' alone: "im gonna jump", "jumping tonight"
        r"\b(?:im|i am|gonna|going to|about to|ready to) (?:gonna |going to |about to )?jump\b"
        r"(?! (?:in|into|on|onto|rope|start|ship|the gun|to|at|over|through|around|high|back|"
        r"for joy|out of bed|up and down)\b)(?!\w)",
        r"\bjumping (?:tonight|today|now|off (?:a|the|this) (?:bridge|roof|building|overpass))\b",
        r"\b(?:give|giving|gave) up on (?:life|living)\b",
        r"\bdone with (?:life|living|being alive|it all|this life|this world)\b",
        r"\bdone living\b",
        r"\b(?:tired|sick) of (?:living|being alive|life|existing|waking up|being here)\b"
        r"(?! (?:early|so early|at|in|before|every|with|to|for|on)\b)",
        r"\bdisappear (?:forever|for good|permanently)\b",
        r"\bthis is (?:my )?(?:final |last )?goodbye\b",
        r"\b(?:final|last) goodbye\b",
        r"\bgoodbye forever\b",
        r"\bsay(?:ing)? goodbye to (?:everyone|everybody|the world|you all|all of you|"
        r"my family|my kids)\b",
        r"\bby the time (?:you|anyone|someone) (?:read|reads|see|sees|get|gets) this\b",
        r"\b(?:suicide|goodbye) (?:note|letter)\b",
        r"\bgiving away (?:my|all my) (?:stuff|things|belongings|possessions)\b",
    ),
    _rule(
        "ssh.hopeless",
        _SSH,
        80,
        r"\bno (?:reason|point|purpose) (?:to|in|of|for) (?:live|living|life|go on|going on|"
        r"keep going|be alive|being alive|be here|being here|stay|staying|wake up|"
        r"waking up|keep living|continue|continuing|exist|existing|carry on|carrying on|"
        r"anything|trying|it all)\b",
        r"\bno point (?:anymore|in anything)\b",
        r"\bno (?:reason|point|purpose) (?:living|being alive|going on|existing|"
        r"carrying on)\b",
        r"\bwant (?:it|it all|everything|this|the pain|all of this|all this|life) (?:all )?"
        r"to (?:stop|end|be over)\b",
        r"\bgoodbye (?:everyone|everybody|all|world|forever|cruel world)\b",
        r"\bwant to (?:just )?disappear\b(?! (?:for|on|to|into|from)\b)",
        r"\b(?:im|i am|feel like|feel like im|feel like a) (?:just |such )?(?:a )?burden "
        r"(?:to|on|for) (?:everyone|everybody|my family|them|you all|all of you|people)\b",
        r"\b(?:life|living|my life|everything|existence|it all) (?:is|feels|seems) (?:so |"
        r"completely |totally |just |)(?:pointless|meaningless|hopeless)\b",
        r"\bhate (?:being alive|living|existing|waking up)\b"
        r"(?! (?:early|so early|at|for|in|on|with|here|there|alone|near|next)\b)",
        r"\bwhy (?:am i|do i|should i) (?:even |still )?(?:alive|here|live|exist|"
        r"bother living|keep living|wake up)\b",
        r"\bnothing (?:left )?to live for\b",
        r"\blife (?:isnt|is not|aint|not|is no longer|no longer) worth (?:it|living)\b",
        r"\bnot worth living\b",
        r"\b(?:whats|whats even) the point (?:of|in) (?:living|life|going on|being alive|"
        r"being here|anything|trying|it all|waking up|existing|me)\b",
        r"\bwhats the point anymore\b",
        r"\b(?:no|lost the|lost my|losing the|losing my|dont have the|dont have any) "
        r"will to live\b",
        r"\bno way out\b",
        r"\bdont see (?:a|any|the) (?:way out|point in living|future|reason to live)\b",
        r"\bcant (?:keep living|live like this|live anymore|do this anymore|"
        r"take (?:it|this) anymore|handle (?:it|this|life) anymore|cope anymore|"
        r"do life anymore|stand being alive|do it anymore)\b",
        r"\bcant " + _GO_ON,
        negatable=False,
    ),
    _rule(
        "ssh.not_want_live",
        _SSH,
        80,
        _NOT_WANT + _GO_ON,
        r"\b(?:not|wasnt|isnt|arent|werent) (?:so |really |too |even |)sure "
        r"(?:if |that |whether )?(?:i )?(?:want to|wish to|can|should|could) <INT>" + _GO_ON,
        r"\bdont (?:know|think) (?:if |that |whether |how )?(?:i )?(?:want to|can|wish to|"
        r"should|could|will) <INT>" + _GO_ON,
        r"\bdont care (?:if|whether) i (?:die|live|wake up|dont wake up|overdose|overdosed|"
        r"make it|survive|end up dead|never wake up)\b",
        r"\b(?:no one|nobody) (?:would|will|is going to|even|really|would even|would ever) "
        r"(?:care|notice|miss me|mourn|cry)\b",
        r"\b(?:no one|nobody) (?:cares|notices|would notice) (?:if|when|whether) i (?:die|"
        r"died|live|was gone|am gone|disappear|disappeared|kill myself|overdose)\b",
        r"\b(?:shouldnt|dont deserve to|didnt deserve to) (?:be alive|live|exist|be here|"
        r"be born)\b",
        r"\bhope i (?:dont|never|wont) wake up\b",
        r"\b(?:sleep|go to sleep|fall asleep) (?:and|and just) (?:never|not) wake up\b",
        r"\bnever wake up again\b",
        r"\b(?:cant|dont) see myself (?:living|being alive|being here|making it) "
        r"(?:much longer|past|through|til|until|anymore|next)\b",
        r"\b(?:wont|im not going to) (?:be|make it) (?:here|around|alive) (?:tomorrow|"
        r"much longer|for long|anymore|by (?:tomorrow|morning|tonight|next week))\b",
        negatable=False,
    ),
    _rule(
        "ssh.self_harm",
        _SSH,
        80,
        r"\bself ?(?:harm|harming|harmed|injury|injure|injuring|mutilate|mutilation|"
        r"mutilating|hurt|hurting)\b",
        r"\b(?:hurt|hurting|harm|harming|cut|cutting|burn|burning|burnt|burned|injure|"
        r"injuring|punish|punishing|scratch|scratching|bruise|bruising|bleed|bleeding|"
        r"carve|carving) myself\b(?! (?:by accident|accidentally|shaving|cooking|"
        r"while cooking|on (?:a|the|some|paper|glass|my own)|at the gym|at work|"
        r"working out|lifting|playing|in the kitchen|chopping|slicing))",
        r"\bcutting (?:again|my (?:arms?|wrists?|legs?|thighs?|skin|body|stomach))\b",
        r"\bstarted cutting\b",
        r"\b(?:want|wanted|urge|urges|need|going|tempted|craving) to (?:cut|burn) (?:again|"
        r"myself|my (?:arms?|wrists?|legs?|thighs?|skin))\b",
        r"\burges? to (?:cut|self harm|hurt myself)\b(?! (?:down|back|out|ties|off|corners))",
        r"\brelaps\w* (?:on|into|with) (?:self harm|cutting)\b",
        r"\b(?:razor|blade) (?:to|on|against) my (?:skin|wrists?|arms?|legs?|thighs?)\b",
    ),
    # ---------------------------------------------------------- use in progress
    _rule(
        "use.override_block",
        _USE,
        75,
        r"\b(?:override|overriding|overrode|overcome|overcoming|overcame|get past|"
        r"getting past|got past|get around|getting around|break through|breaking through|"
        r"push through|pushing through|get through|getting through|got through|beat|"
        r"beating|bypass|bypassing|outsmart|"
        r"outsmarting|overpower|overpowering|overwhelm|overwhelming|outdo|cheat) "
        r"<NALT>\b",
        r"\b(?:take|taking|took|use|using|used|do|doing|did|shoot|shooting|shot|need|needs|"
        r"needed|snort|snorting|smoke|smoking) <INT>(?:a lot |alot |way |even |some |"
        r"a bit |a little |much |a ton |tons |double |)?more (?:\w+ ){0,2}?(?:to|so i can|"
        r"til|until|and) (?:actually |even |finally |)?(?:feel (?:it|anything|something|"
        r"high|the high|the dope|the heroin|the fent|the effects?|a buzz|a thing|them)|"
        r"get high|get past|get through|override|overcome|beat|break through|get a buzz|"
        r"get anything)\b",
        r"\bcant feel (?:it|anything|nothing|shit|a thing|the (?:high|dope|fent|heroin|"
        r"pills|effects?|buzz)) (?:so |and |but |because |)(?:im |i |i just |gonna |"
        r"going to |)(?:taking|take|took|using|use|used|doing|did|need|shooting|shot|"
        r"getting|get|adding|add|double|doubling|trying|try)\b",
        r"\b(?:how much|how many) (?:\w+ ){0,6}?(?:to|would it take to|do i need to|before i|"
        r"til i|until i) (?:get high|get past|override|overcome|beat|break through|"
        r"get around|feel (?:it|the high|high|the dope|anything|the heroin|the fent|"
        r"the effects))\b",
        r"\b(?:get|getting|got|still get) high (?:on|with|while on|while taking|through|"
        r"despite|past) <NALT>\b",
        r"\bstill get high\b",
        r"\b(?:naltrexone|vivitrol|shot|blocker|block|implant|it) (?:isnt|not|wont|didnt|"
        r"doesnt|stopped|arent) (?:even |really |)?block(?:ing)? (?:it|anything|the high|"
        r"the dope|the heroin|the fent|the effects|shit|my high)\b",
        r"\bif i (?:\w+ ){0,2}?(?:use|take|shoot|do|smoke|snort|inject|try|relapse on) "
        r"(?:some |a little |a bit of |)?<OPI> (?:\w+ ){0,3}?(?:on|while on|with|after|"
        r"while taking|during) <NALT>\b",
        r"\b(?:wears|wore|wear|wearing|worn) off (?:so|to|and|then|before) (?:i can |"
        r"i could |i |)(?:use|get high|feel it|do dope|shoot)\b",
    ),
    _rule(
        "use.using_now",
        _USE,
        70,
        r"\b(?:using|shooting|injecting|slamming|banging|smoking|snorting|sniffing|railing|"
        r"doing|popping|high on|nodding on|getting high on|geeking on|loaded on) "
        r"(?:my )?<QTY><DRUG>\b",
        r"\btaking <QTY><OPI>\b",
        r"\b(?:shot|shoot|shooting|injected|injecting|slammed|slamming|banged|banging) "
        r"(?:up |my )?<QTY>(?:<OPI>|<STIM>)\b",
        r"\b(?:popping|using|doing) pills\b",
        r"\b(?:using|nodding out|shooting up|shooting|injecting|slamming|getting high|"
        r"on the nod) (?:again |)?(?:right now|as we speak|tonight|again|now|today)\b",
        r"\bon the nod\b",
        r"\bnodding out\b",
    ),
    _rule(
        "use.high_now",
        _USE,
        70,
        r"\b(?:im|hes|shes|theyre|were|i feel|feeling|im getting|i got|just got) "
        r"<INT>(?:high|geeked|"
        r"zooted|smacked)\b(?! (?:school|blood|risk|on life|alert|functioning|hopes|"
        r"spirits|energy|maintenance|quality|fiber|protein|dose|tolerance|marks|grades|"
        r"scores|praise|fever|temperature|cholesterol|quality|five|score|up|ground))",
    ),
    _rule(
        "use.high_right_now",
        _USE,
        70,
        r"\bhigh (?:af |as fuck |)?(?:right now|as we speak)\b",
        veto_before=_THING_SUBJECT,
    ),
    _rule(
        "use.shooting_up",
        _USE,
        70,
        r"\b(?:shoot|shot|shooting|shoots) up\b",
        veto_before=_THING_SUBJECT,
    ),
    _rule(
        "use.drunk_driving",
        _USE,
        70,
        r"\b(?:drunk|drinking|been drinking|wasted|hammered|buzzed|tipsy|high|stoned|loaded|"
        r"fucked up|under the influence|intoxicated|had a few|had too many|"
        r"blackout drunk) (?:and|while|but) (?:im |still |)?(?:driving|drive|going to drive|"
        r"about to drive|behind the wheel|on the road)\b",
        r"\b(?:driving|drive|drove|driving home|drive home|behind the wheel|about to drive|"
        r"going to drive) (?:home |right now |back |)?(?:drunk|wasted|hammered|high|"
        r"buzzed|tipsy|intoxicated|under the influence|after drinking|"
        r"after (?:a few|\w+) (?:drinks|beers|shots))\b",
        r"\b(?:drunk|drink) driving\b",
        r"\b(?:drank|drunk|drinking|high|wasted) (?:and|then|and then) drove\b",
        r"\bdrinking and driving\b",
        r"\btoo drunk to drive (?:but|and|so) (?:im |i )?(?:going to|driving|will|about to|"
        r"have to|need to)\b",
    ),
    _rule(
        "use.about_to",
        _USE,
        65,
        r"\b(?:about to|going to|getting ready to|on my way to|heading out to|planning to|"
        r"planning on|plan to|decided to|ready to|will|ill|trying to|gonna go) "
        r"<INT>(?:go )?(?:use\b(?! (?:the|my|a|an|this|that|it|your|his|her|their|our|app|"
        r"bot|to|for|as|them|these|those|any|every|other|its|some advice|some help|"
        r"the bathroom|cash|insurance|less|more time)\b)|relapse|get high|get loaded|"
        r"shoot up|cop\b(?! (?:these|those|a pair|the new|shoes|sneakers|tickets))|"
        r"(?:score|buy|pick up|get|grab|cop) <QTY><DRUG>|"
        r"(?:do|take|smoke|snort|inject|slam|shoot|try|use) <QTY><DRUG>|"
        r"meet (?:my |the |up with my )?(?:dealer|plug|connect)|"
        r"drink and drive|drive drunk|drive home drunk|drive after drinking|"
        r"drive (?:home )?(?:high|wasted|hammered))\b",
    ),
    _rule(
        "use.buying",
        _USE,
        65,
        r"\b(?:texted|texting|called|calling|meeting|meet|met|hit up|hitting up|waiting on|"
        r"waiting for|on my way to|at|going to|heading to|with|messaged|messaging|"
        r"contacted|contacting|(?<!away )from) (?:my |the |a |an old )?(?:dealer|plug|connect|"
        r"trap house|trap spot)\b",
        r"\b(?:copped|scored|bought|got|picked up|grabbed|got me) (?:some |a |a bag of |"
        r"a point of |a bundle of |a gram of |a few |\d+ |more |)?<OPI>\b"
        r"(?! (?:test|testing|strips))",
        r"\b(?:copped|scored) (?:a |some |another |two |\d+ |)?(?:bundle|bun|bag|bags|point|"
        r"stamps?|g|gram|half|ball)\b",
        r"\b(?:my |the )?(?:plug|dealer|connect) (?:is |just )?(?:on (?:the|his|her|their) way|"
        r"here|outside|coming|coming over|pulling up|dropping off)\b",
        r"\b(?:chase|chasing) (?:the|a|that) (?:high|dragon)\b",
    ),
    _rule(
        "use.relapse_action",
        _USE,
        65,
        r"\b(?:slipped|slipped up|relapsed|caved|gave in) (?:and|then|and then) (?:used|shot up|"
        r"got high|did (?:some|a)|took (?:some|a)|copped|scored)\b",
        r"\b(?:get|feel) high if i (?:take|use|do|shoot) (?:more|extra|a lot|enough)\b",
        r"\b(?:take|taking|took|use|using|used|do|doing|did|shoot|shooting|shot) (?:extra|"
        r"double|a double|a lot of|a ton of|way more|tons of) (?:\w+ )?(?:to|so i can|til|"
        r"until) (?:actually |even |finally |)?(?:feel|get high|get past|get through|"
        r"override|overcome|beat|break through|get a buzz)\b",
        r"\b(?:mixed|mixing|combined|combining|took|taking|did|doing) <OPI> (?:with|and|plus) "
        r"<BENZO>\b",
        r"\b(?:mixed|mixing|combined|combining|took|taking|did|doing) <BENZO> (?:with|and|plus) "
        r"<OPI>\b",
    ),
    _rule(
        "use.mixing",
        _USE,
        65,
        r"\b(?:drinking|drank|drunk|booze|alcohol|vodka|beer|wine|liquor|whiskey|shots) "
        r"(?:\w+ ){0,3}?(?:with|and|on top of|plus|after taking|after|while on) "
        r"(?:\w+ ){0,2}?(?:<BENZO>|<OPI>)\b",
        r"\b(?:<BENZO>|<OPI>) (?:\w+ ){0,3}?(?:with|and|on top of|plus|while|after) "
        r"(?:\w+ ){0,2}?(?:drinking|alcohol|booze|vodka|beer|wine|liquor|drinks|shots)\b",
    ),
    _rule(
        "use.recent",
        _USE,
        60,
        # past use is a crisis unless it is clearly history ("for ten years")
        r"\b(?:used|did|took|snorted|smoked|shot|injected|slammed|banged|popped|relapsed on|"
        r"relapsed with|got high on|bought|copped) <QTY><DRUG>\b" + _HISTORY_TAIL,
        r"\b(?:<RECENT>|relapsed and|and then|then) (?:i |we )?(?:used|did|took|snorted|"
        r"smoked|shot|injected|slammed|banged|popped|had) <QTY><DRUG>\b",
        r"\b(?:used|relapsed|slipped up|got high) (?:again |)?<RECENT>\b",
        r"\b(?:relapsed|had a relapse|have had a relapse|having a relapse)\b" + _HISTORY_TAIL,
        r"\b(?:havent|hasnt|cant|couldnt|didnt|wont) (?:stop|stopped|quit) (?:using|shooting up|"
        r"doing dope|getting high)\b",
        r"\b(?:i just|ive just|just) used\b(?! (?:the|my|a|an|this|that|it|your|to|up|all|"
        r"every|one|his|her|their|our|some of|google|bot|app|chat|cash|coupon)\b)",
        r"\brelapsed (?:and|but) (?:used|using|took|taking|did|doing|shot|shooting|smoked|"
        r"smoking|snorted|got high)\b",
        r"\brelaps\w* (?:on|with) <OPI>\b",
        r"\b(?:started|start|starting|been|back to) using (?:again|daily|every day)\b",
    ),
    _rule(
        "use.stop_to_use",
        _USE,
        60,
        r"\b(?:stop|stopped|stopping|skip|skipped|skipping|quit|quitting|ditch|not take|"
        r"not taking|dont take|come off|coming off|get off|pull out|remove|removed|dig out|"
        r"dug out|cut out|take out|took out|taking out|pulled out) "
        r"(?:taking )?<NALT>(?: \w+){0,3}? (?:so (?:that )?i can|to|and|then|in order to) "
        r"(?:use|get high|feel (?:it|the high|high)|shoot up|do dope|party)\b",
        # The verb split around its object: "dug the implant out so I can use".
        r"\b(?:dig|dug|digging|cut|cutting|pull|pulled|pulling|take|took|taking|get|got|"
        r"rip|ripped) <NALT> out(?: \w+){0,3}? (?:so (?:that )?i can|to|and|then|in order to) "
        r"(?:use|get high|feel (?:it|the high|high)|shoot up|do dope|party)\b",
    ),
    # --------------------------------------------------------------- allergic reactions
    _rule(
        "med.allergic",
        _MED,
        101,
        r"\b(?:face|lips?|tongue|throat|mouth|eyes?) (?:is |are |keeps |started |starting |"
        r"getting |feels |feel |)(?:swelling|swollen|swell|closing|closing up|tight)\b",
        r"\bswelling (?:up )?(?:in |of )?(?:my |his |her |the )?(?:face|lips?|tongue|throat)\b",
        r"\b(?:allergic reaction|anaphyla\w*)\b" + _HISTORY_TAIL,
        r"\bhives (?:all over|everywhere|and (?:cant|trouble|hard to) breath\w*)\b",
        r"\bthroat (?:is )?closing\b",
    ),
    # ------------------------------------------------- non-opioid medicines and products
    _rule(
        "poison.ingested",
        _POI,
        101,
        # A named medicine that is not an opioid, in an amount: Poison Control, not naloxone.
        r"\b(?:took|taken|swallowed|popped|downed|ate|drank|had) (?:all|all of|a whole|the whole|"
        r"an entire|the entire|a|a handful of|a bunch of|a lot of|lots of|like \d+|\d{2,}|"
        r"too many|too much|way too many|way too much)(?: of)?(?: my| the| his| her| their)? "
        r"(?:\w+ )?(?:bottle of |box of |pack of )?(?:tylenol|acetaminophen|paracetamol|advil|"
        r"ibuprofen|aspirin|motrin|aleve|naproxen|sleeping pills|sleep aids?|benadryl|"
        r"<BENZO>|antidepressants|lithium|insulin|seroquel|trazodone|gabapentin|"
        r"blood pressure pills|heart pills)\b",
        r"\b(?:took|taken|swallowed|popped|downed|ate|drank) (?:my |the |his |her |a |an )?"
        r"(?:whole|entire|full) (?:script|prescription|refill|month of|months supply|"
        r"supply)\b",
        r"\b(?:took|taken|swallowed|popped|downed) (?:all|every one|everyone) of (?:my|the|"
        r"his|her) (?:\w+ )?(?:pills|meds|tablets|medication|medicine|script|prescription)\b",
        r"\b(?:took|taken|swallowed|popped|downed) all (?:my|the|his|her) (?:\w+ )?(?:pills|"
        r"meds|tablets|medication|medicine|script)\b" + _HISTORY_TAIL,
        r"\b(?:got|gotten|getting|get) into (?:my|the|his|her|their|grandmas|grandmas|moms|"
        r"dads|someones|somebodys) (?:\w+ )?(?:pills|meds|medicine|medication|tablets|"
        r"bottle|purse|cabinet)\b",
        r"\b(?:drank|swallowed|drinking|ate) (?:some |a lot of |the )?(?:bleach|antifreeze|"
        r"drain cleaner|rat poison|cleaning products?|lighter fluid|windshield fluid)\b",
        r"\b(?:kid|son|daughter|baby|toddler|child|grandson|granddaughter|nephew|niece) "
        r"(?:\w+ ){0,3}(?:swallowed|ate|took|got into) (?:\w+ ){0,3}(?:pills|meds|tablets|"
        r"naltrexone|medicine|bottle)\b",
        # as short as people write it: "whole bottle tylenol", "took them all", "xanax and booze"
        r"\b(?:whole|entire|full) (?:bottle|box|pack) (?:of )?(?:my )?(?:tylenol|acetaminophen|"
        r"advil|ibuprofen|aspirin|pills|meds|sleeping pills|benadryl|<BENZO>)\b",
        r"^(?:i |just |i just )?(?:took|swallowed|popped|downed|taking|swallowing) (?:them|those|"
        r"these|it) all(?: of them| now| tonight| at once)?$|^(?:i |just |i just )?(?:took|"
        r"swallowed|popped|downed) all of (?:them|those|these)(?: now| tonight| at once)?$",
        r"\b(?:mixed|took|downed|popped) (?:my )?(?:<BENZO>|sleeping pills) (?:and|with|"
        r"plus|\+) (?:alcohol|booze|liquor|drinking|beer|vodka|whiskey|wine)\b",
    ),
    # --------------------------------------------------------------------- Spanish
    # Accents are gone by now ("qué" -> "que", "mañana" -> "manana"). Spanish negation ("no
    # quiero morir") is cancelled by the English cue "no" like any other; phrases whose meaning
    # is a negation ("ya no quiero vivir") are rules negation cannot cancel.
    _rule(
        "ssh.es_want_die",
        _SSH,
        80,
        r"\b(?:me )?(?:quiero|quisiera|queria|kiero|qiero|deseo) (?:morir|morirme|"
        r"matarme|suicidarme|desaparecer para siempre|estar muert[oa]|dejar de existir)\b",
        r"\bme (?:quiero|voy a|vo a|pienso) (?:matar|suicidar|morir|quitar la vida|ahorcar|"
        r"colgar|cortar las venas|tirar de un puente|aventar)\b",
        r"\b(?:voy|vo) a (?:matarme|suicidarme|quitarme la vida|ahorcarme|colgarme|"
        r"cortarme las venas|acabar con mi vida|acabar con todo|terminar con todo)\b",
        r"\b(?:quitarme|quitar me|quitare) la vida\b",
        r"\b(?:acabar|terminar|terminare|acabare|acabo) con (?:mi vida|todo|todo esto|"
        r"mi sufrimiento)\b",
        r"\b(?:ojala|ojal) (?:me muera|no despierte|no amanezca|estuviera muert[oa]|"
        r"me muriera|no despertar)\b",
        r"\b(?:mejor|mas vale) (?:estar )?muert[oa]\b",
        r"\bpensamientos? (?:de|suicidas|de muerte|de matarme)\b",
        r"\bcarta de despedida\b",
        r"\bme (?:corto|corte|estoy cortando|quemo|lastimo|hago dano)\b(?! (?:el pelo|"
        r"el cabello|las unas|cocinando|con el cuchillo|sin querer|afeitando))",
        r"\b(?:cortarme|lastimarme|hacerme dano)\b",
        r"\b(?:tengo|compre|consegui|ya tengo|guarde|junte) (?:la |una )?(?:soga|cuerda|"
        r"pistola|arma|navaja) (?:para|pa)\b(?! " + EVERYDAY_TOOL_USES_ES + ")",
        r"\bme despido de (?:todos|ustedes|ti|todo)\b",
        # The present tense says what one is about to do in Spanish ("hoy me mato", "mañana me
        # ahorco"): short messages like these are the rules' alone (bot.safety.net).
        r"\bme (?:mato|suicido|ahorco|ahorcare|envenen[oe])\b(?! (?:de|del|a|al|por|con|"
        r"trabajando|estudiando|corriendo|haciendo|entrenando|pensando|riendo|limpiando|"
        r"manejando|caminando)\b)",
        r"\bme (?:tiro|aviento|lanzo|avento|arrojo) (?:de|del|desde|al|a la|por|bajo) (?:un |una |"
        r"el |la |los |las |)(?:puente|edificio|techo|azotea|metro|tren|balcon|ventana|piso|"
        r"precipicio|barranco|acantilado|rio|mar|vias|camion|carro|carros|trailer)\b",
    ),
    _rule(
        "ssh.es_not_want_live",
        _SSH,
        80,
        r"\b(?:ya )?no (?:quiero|kiero|deseo|tengo ganas de) (?:seguir )?(?:vivir|viviendo|"
        r"existir|despertar|estar aqui|estar vivo|estar viva|seguir aqui|seguir)\b"
        r"(?! (?:asi|con|en|aqui con|de esta|tomando|en este)\b)",
        r"\bno (?:vale|tiene) (?:la pena|sentido) (?:vivir|seguir viviendo|seguir)\b",
        r"\b(?:nadie|ninguno) me (?:va a )?(?:extranaria|extranara|extrañaria|extranar)\b",
        r"\b(?:estarian|estaran|estarán) mejor sin mi\b",
        r"\bno (?:aguanto|soporto) (?:mas )?(?:vivir|la vida|seguir vivo|seguir viva)\b",
        negatable=False,
    ),
    _rule(
        "od.es_overdose",
        _OD,
        100,
        r"\bno (?:respira|esta respirando|puede respirar|puedo respirar|reacciona|despierta|"
        r"se despierta|responde)\b(?! (?:a mis|mis|el telefono|los mensajes|el celular))",
        r"\b(?:se puso|se esta poniendo|esta|tiene los labios|labios|cara) (?:\w+ )?"
        r"(?:morad[oa]s?|azul(?:es)?)\b",
        r"\b(?:se desmayo|se desmayó|inconsciente|convulsion\w*|convulsionando|"
        r"echando espuma)\b",
        r"\b(?:me|se|le) (?:meti|metio|tome|tomo|puse|puso) (?:demasiad[oa]|mucho|mucha) "
        r"(?:fentanilo|fenta|heroina|chiva|pastillas|pastis|pildoras)\b",
        r"\bllam(?:a|en|o|ar|e) (?:al|a la|una) (?:911|ambulancia)\b",
    ),
    _rule(
        "poison.es_ingested",
        _POI,
        100,
        r"\b(?:me tome|se tomo|me trague|se trago|me bebi|se bebio|tome|tomo) (?:todas|todo|"
        r"un monton de|muchas|un frasco|el frasco|la caja|el bote|una caja|un bote)"
        r"(?: \w+){0,3} (?:pastillas|pildoras|medicinas|medicamentos|tabletas|receta|"
        r"tylenol|paracetamol|ibuprofeno|advil|clonazepam|xanax|frasco|bote|caja)\b",
        r"\b(?:me tome|se tomo|me trague|se trago|tome|tomo) (?:todas )?(?:mis|las|sus) "
        r"(?:pastillas|pildoras|medicinas|tabletas)\b",
        r"\b(?:se tomo|se comio|agarro) (?:las )?(?:pastillas|pildoras|medicinas) de\b",
        r"\b(?:tome|tomo|me tome|se tomo|bebi|bebio) (?:cloro|blanqueador|veneno|"
        r"anticongelante)\b",
    ),
    _rule(
        "med.es_emergency",
        _MED,
        100,
        r"\bdolor (?:fuerte )?(?:en el|de|del) pecho\b",
        r"\bse me (?:esta )?(?:hinchando|hincho|cierra|esta cerrando) (?:la cara|los labios|"
        r"la garganta|la lengua|los ojos)\b",
        r"\b(?:cara|labios|garganta|lengua) (?:hinchad[oa]s?|se hincha|se cierra)\b",
        r"\breaccion alergica\b",
        r"\b(?:vomitando|vomito|escupiendo) sangre\b",
        r"\bintoxicacion (?:por|de) alcohol\b",
        r"\bcoma etilico\b",
        r"\bme (?:falta|cuesta) (?:el aire|respirar)\b",
    ),
    _rule(
        "use.es_using",
        _USE,
        75,
        r"\b(?:me acabo de|acabo de|me acabe de) (?:inyectar|meter|picar|fumar|drogar|"
        r"tomar (?:unas|pastillas|fenta))\b",
        r"\b(?:voy|vo|ire) a (?:usar|drogarme|inyectarme|meterme|picarme|consumir|comprar "
        r"(?:droga|heroina|fenta|fentanilo|chiva|pastillas)|conectar)\b",
        r"\bestoy (?:drogad[oa]|usando|consumiendo|bien puesto|bien puesta|high|pasad[oa])\b",
        r"\b(?:recai|volvi a (?:usar|consumir|inyectarme|drogarme|tomar))\b(?!(?: \w+){0,4} "
        r"(?:hace (?:\w+ )?(?:anos|meses|una decada)|el ano pasado|en (?:19|20)\d\d|en mis "
        r"\w+|cuando (?:era|tenia)|pero desde entonces|antes del tratamiento))",
        r"\b(?:vencer|romper|pasar|brincar|saltar) el bloqueo\b",
        # recent use in the past tense, as short as people write it ("me drogué", "ya usé", "me
        # metí fenta"); the shot itself ("me inyecté la vivitrol") is not a drug
        r"\b(?:me drogue|use hoy|use anoche|ya consumi|consumi anoche|consumi hoy)\b",
        r"\bya use\b(?! (?:el|la|los|las|lo|un|una|mi|mis|tu|su|sus|este|esta|eso|todo|todos|"
        r"todas)\b)",
        r"\bme (?:meti|puse|inyecte|pique|pinche|fume|esnife|jale) (?:un poco de |unas? |un |"
        r"una |)(?:fenta|fentanilo|heroina|chiva|droga|drogas|cristal|perico|coca|cocaina|piedra|"
        r"crack|manteca|caballo|jaco|tusi|oxis?|oxicodona|percocet|azules|m30s?|morfina|heroin|"
        r"fentanyl)\b",
    ),
)

_RULES: Final[tuple[_Rule, ...]] = tuple(
    sorted(_RULES_UNSORTED, key=lambda rule: rule.priority, reverse=True)
)


def _index_rules() -> tuple[dict[str, frozenset[int]], frozenset[int]]:
    """Word -> ids of alternatives whose most selective all-word clause has it."""
    index: dict[str, set[int]] = {}
    unindexed: set[int] = set()
    for alt_id, alt in enumerate(a for rule in _RULES for a in rule.alts):
        word_only = [words for words, subs in alt.clauses if words and not subs]
        if not word_only:
            unindexed.add(alt_id)
            continue
        best = max(word_only, key=lambda ws: _clause_score(frozenset((True, w) for w in ws)))
        for word in best:
            index.setdefault(word, set()).add(alt_id)
    return {w: frozenset(ids) for w, ids in index.items()}, frozenset(unindexed)


_ALT_INDEX, _UNINDEXED_ALTS = _index_rules()

# A crisis match lying entirely inside one of these spans is not a crisis.
_BENIGN_ALTS: Final = tuple(
    _compile_alt(a)
    for a in (
        # overdosing on something that is not a substance
        r"\boverdos\w* on (?:netflix|tv|television|youtube|tiktok|tik tok|instagram|insta|"
        r"reddit|twitter|social media|memes?|anime|k ?dramas?|dramas?|reality tv|shows?|"
        r"movies?|series|video games|games|gaming|music|podcasts?|books?|reading|coffee|"
        r"caffeine(?! pills| tablets)|sugar|candy|chocolate|sweets|cake|cookies|pizza|"
        r"junk food|food|carbs|love|kindness|sunshine|sun|positivity|happiness|cuteness|"
        r"nostalgia|drama|news|work|studying|christmas|hugs|cat videos|dog videos|puppies|"
        r"kittens|cheese|ice cream|cheesecake|gym|exercise|self care|sleep|naps)\b",
        # general questions about overdosing on naltrexone itself
        r"\b(?:can|could|will|would|does|do|is it possible|possible|how|what happens if|"
        r"what happens when|what if|if|when) (?:for )?(?:you|someone|somebody|anyone|anybody|"
        r"a person|people|one|a patient|patients|they|others|folks|humans) (?:to )?"
        r"(?:even |still |actually |ever |)?(?:overdose|overdoses|overdosed|overdosing) "
        r"(?:on|from|with|off) (?:naltrexone|vivitrol|revia|nal|this med|this medication|"
        r"this drug|it|the shot|the pills|naltrexone pills|the pill|this|\d+ ?mg)\b",
        r"\b(?:possible|impossible|hard|easy|safe) to (?:overdose|overdoses) (?:on|from|with) "
        r"(?:naltrexone|vivitrol|revia|nal|it|the shot|the pills|this med|this medication)\b",
        r"\b(?:symptoms|signs|risk|risks|chance|dangers?|effects) of (?:a |an )?"
        r"(?:naltrexone|vivitrol) overdose\b",
        # prevention, risk and statistics
        r"\b(?:prevent|prevents|preventing|prevention of|protect\w*(?: \w+){0,2} (?:against|"
        r"from)|reduce|reduces|reducing|lower|lowers|lowering|raise|raises|raising|increase|"
        r"increases|increasing|cause|causes|risk of|risk for|risks of|chance of|chances of|"
        r"likelihood of|odds of|higher risk of|lower risk of|safe from|protection from|"
        r"protection against) (?:an |a |the |my |your |opioid |opiate |fentanyl |fent |heroin |"
        r"accidental |)*(?:overdose|overdoses|overdosing)\b",
        r"\boverdose (?:risk|risks|rates?|prevention|deaths?|awareness|education|training|"
        r"kits?|statistics|stats|crisis|epidemic|data|numbers|reversal|response)\b",
        r"\b(?:narcan|naloxone) (?:for|reverses|reverse|treats|works on|blocks|against|"
        r"in case of) (?:an |a |opioid |opiate |)?overdoses?\b",
        # "50mg OD" is "once daily" on a prescription label
        r"(?:\d ?(?:mg|mcg)|\b(?:milligrams?|tablet|tab|pill|dose|daily)) (?:once )?overdose\b",
        # idioms
        r"\b(?:gave|give|giving|almost gave|nearly gave) (?:me|him|her|us) (?:a |like a )?"
        r"(?:mini |little |small |)heart attack\b",
        r"\b(?:almost|nearly) (?:had|have|having) a heart attack\b",
        r"\b(?:til|till|until) (?:im|youre|you are|hes|shes|theyre|i|you|we|they) (?:\w+ )?"
        r"blue in the face\b",
        r"\bseizing (?:the|this|an|every|my) (?:day|moment|opportunity|chance|opportunities)\b",
        r"\b(?:rather|prefer to) (?:be dead|die) than (?!(?:live|living|keep|go on|going on|"
        r"feel|be alive|wake up|exist|deal|do this|be here|suffer|face|be like this)\b)\w+",
        r"\bsuicide (?:squad|silence|boys|doors?|king|prevention)\b",
        r"\bsuicideboys?\b",
        # too much of something that is not a substance, in the other word order
        r"\b(?:an |a |total |such an |what an |)overdose of (?:tv|television|netflix|the show|"
        r"a show|shows|series|a series|the series|drama|reality tv|anime|youtube|tiktok|"
        r"social media|news|sugar|coffee|caffeine|sunshine|cuteness|love|work|memes|"
        r"football|sports|christmas|family time)\b",
        # learning about overdose, not having one
        r"\b(?:film|movie|documentary|video|show|episode|book|talk|lecture|class|training|"
        r"presentation|session|workshop|group|article|podcast|story) (?:about|on|covering) "
        r"(?:\w+ ){0,2}(?:overdoses?|overdosing|suicide)\b",
        # fear of withdrawal when starting the shot, not a plan to use
        r"\b(?:ill|i will|im going to|going to|gonna|will|might|could|would) (?:get|be|feel|go) "
        r"dope ?sick\b",
        # a phone or a car that dies is not a person
        r"\b(?:phone|cell|battery|batt|laptop|tablet|charger|car|truck|tv|computer|plants?|"
        r"flowers?)s? (?:is |are |was |s |just |about to |bout to |gonna |going to |finna |"
        r"kinda |almost |)+(?:die|dying|dead)\b",
        # asking what something looks like, to know it when it comes
        r"\bwhat (?:do|does|would|will|did) (?:\w+ ){0,3}(?:seizures?|overdoses?|an overdose|"
        r"a seizure|the dts|dts|withdrawals?) look like\b",
        # dreams and nightmares
        r"\b(?:dreamed|dreamt|dream|dreams|dreaming|nightmare|nightmares|had a dream|sone|"
        r"sueno|sueño|pesadilla) (?:\w+ ){0,5}?(?:overdos\w*|od|died|dying|sobredosis|"
        r"mori|me moria|muerto|muerta)\b",
        # learning how to respond is preparation, not an emergency
        r"\b(?:how (?:do|would|can|will|could|should) (?:i|you|we|someone|people|one) "
        r"(?:know|tell|recogni[sz]e|spot|notice|check)|signs? (?:of|that)|symptoms of|"
        r"what (?:does|do|are) (?:an? )?) (?:if |when |that |)(?:\w+ ){0,4}?"
        r"(?:overdos\w*|od(?:ing)?)\b",
        r"\b(?:como se|como saber|como sabes|como reconocer|senales de|sintomas de|"
        r"signos de) (?:\w+ ){0,5}?sobredosis\b",
        r"\b(?:how (?:do|to|can|would|should) (?:you|i|we|someone)|learn(?:ed|ing)? (?:how )?"
        r"to|trained (?:\w+ ){0,3}to|training (?:\w+ ){0,3}to|teach(?:ing)? (?:\w+ ){0,3}to|"
        r"carry|carrying|keep|keeping|have|got|bought|picked up|where (?:do|can) i get) "
        r"(?:a |some |the |)(?:use |give |using |giving )?(?:narcan|naloxone|naloxona)\b",
        # Spanish idioms and learning
        r"\b(?:(?:me )?(?:quiero|voy a|vo a|iba a|queria) )?(?:morir|morirme|muero|muriendo|"
        r"moria) (?:de|del) (?:la |el )?(?:verguenza|"
        r"aburrimiento|risa|hambre|sueno|calor|frio|envidia|ganas|amor|nervios|pena|cansancio|"
        r"sed|miedo|tristeza|viej[oa]|vejez|susto|celos|coraje|rabia|emocion|alegria|gusto|"
        r"curiosidad|antojo|flojera|pereza|ansias)\b",
        # "me cortó mi novia": she broke up with me (accents are gone, so it reads as "me corto")
        r"\bme (?:corto|corte|dejo|bloqueo) (?:mi|el|la|su) (?:novia|novio|pareja|jeva|jevo|"
        r"esposa|esposo|ex|chava|chavo|morra|morro|jefe|jefa|mujer|marido)\b",
        r"\bme (?:corte|corto|cortaba) (?:con (?:una|un|el|la) (?:hoja|papel|cuchillo|lata|"
        r"vidrio|navaja de afeitar)|el pelo|el cabello|las unas|cocinando|afeitando|"
        r"sin querer|picando|cortando|pelando|rebanando)\b",
        r"\b(?:por que|porque|porq|xq|es|seria) (?:es )?(?:peligroso|malo|riesgoso|mortal) "
        r"(?:\w+ ){0,3}(?:pasar|vencer|romper|brincar|saltar) el bloqueo\b",
        r"\b(?:peli|pelicula|documental|serie|miniserie|articulo|libro|platica|charla|clase|"
        r"taller|noticias?|podcast|video|reportaje) (?:sobre|de|acerca de) (?:la |el |una |)"
        r"(?:crisis de (?:la |las |)|epidemia de )?(?:sobredosis|suicidio|fentanilo)\b",
        r"\b(?:medicina|medicinas|medicamento|medicamentos|pastillas) (?:de|para) (?:las |la )?"
        r"(?:convulsiones|epilepsia)\b",
        # a medicine for seizures, not a seizure
        r"\b(?:anti ?)?seizure (?:medicine|medicines|medication|medications|meds|med|pills?|"
        r"drugs?|disorder|prescription|doctor|neurologist)\b",
    )
)
_BENIGN_WINDOW: Final = 200

# A clause that tells of the past ("years ago my roommate OD'd", "en 2019 intenté quitarme la
# vida", "I used to mix xanax and booze") or asks about someone hypothetical ("what should you do
# if someone has a seizure", "si alguien no respira, qué se hace") makes any crisis phrase in it
# history or a lesson, wherever in the clause the marker stands. Clauses end at punctuation and at
# "but"/"pero"/"now", so "I used to cut but I cut again last night" is still a crisis.
_CLAUSE_BREAK: Final = re.compile(r"\||\b(?:but|pero|now|ahora|though|aunque|until)\b")
_CLAUSE_CANCEL: Final = re.compile(
    r"\b(?:(?:\w+ )?years? ago|(?:\w+ )?months ago|a (?:long )?(?:time|while) ago|ages ago|"
    r"(?:a few|several|two|three) (?:years|summers|winters) (?:ago|back)|last (?:year|spring|"
    r"summer|fall|autumn|winter)|in (?:19|20)\d\d|back in|back then|back when|in (?:college|"
    r"high school|my (?:teens|twenties|thirties|20s|30s))|when (?:i|he|she|they|we) (?:was|were) "
    r"(?:\d+|a |an |young|younger|little|in|still)|used to|freshman year|as a (?:teen|kid)|"
    r"before (?:treatment|rehab|i got (?:clean|sober)|we met|i started)|"
    r"hace (?:\w+ )?(?:anos|meses|tiempo|mucho)|el ano pasado|en (?:19|20)\d\d|"
    r"cuando (?:era|tenia|estaba|yo era)|de (?:chiquit[oa]|chamac[oa]|joven|nin[oa])|"
    r"(?:if|when|whenever|in case) (?:someone|somebody|a person|anyone|anybody|people|you see|"
    r"they see|i see|we see)|"
    r"(?:si|cuando) (?:alguien|una persona|ves a)|en caso de que|"
    r"(?:warning )?signs? (?:that|of) (?:someone|somebody|a person|a friend)|"
    r"for (?:my |his |her )?(?:seizures|epilepsy)|para (?:las |la )?(?:convulsiones|epilepsia)|"
    r"died (?:of|from|by|after)|passed away|lost (?:my|his|her|our|their) \w+ (?:to|from)|"
    r"funeral|memorial|anniversary of|murio (?:de|por)|fallecio|se nos fue|velorio)\b"
)
# Rules whose phrase is itself about time ("relapsed two years ago" is handled inside them) or
# that name a danger now whatever the clause says.
_CLAUSE_CANCEL_EXEMPT: Final = frozenset({"od.naloxone"})

# --------------------------------------------------------------------------
# Negation
# --------------------------------------------------------------------------

_NEGATION_CUES: Final = frozenset(
    _squash(w)
    for w in (
        "not", "no", "never", "dont", "doesnt", "didnt", "isnt", "arent", "wasnt",
        "werent", "wont", "wouldnt", "havent", "hasnt", "hadnt", "shouldnt", "nor",
        "aint", "neither", "nunca", "jamas", "tampoco",
    )
)  # fmt: skip
# Extra cues that only cancel use-in-progress phrases ("I quit using heroin").
_USE_NEGATION_CUES: Final = _NEGATION_CUES | frozenset(
    _squash(w)
    for w in (
        "quit",
        "stopped",
        "quitting",
        "avoid",
        "avoided",
        "avoiding",
        "resisted",
        "used",
        "without",
    )
)
# A second negation earlier in the clause undoes the first.
_DOUBLE_NEGATORS: Final = _NEGATION_CUES | frozenset({"cant", "couldnt", "without"})
_NEGATION_FILLERS: Final = frozenset(
    _squash(w)
    for w in (
        "really", "actually", "even", "ever", "honestly", "seriously", "truly",
        "literally", "totally", "currently", "exactly", "necessarily", "definitely",
        "do", "does", "did", "am", "is", "are", "was", "were", "be", "been", "being",
        "feel", "feeling", "felt", "like", "want", "wanted", "wanting", "to", "going",
        "planning", "plan", "plans", "trying", "try", "tried", "thinking", "think",
        "thought", "thoughts", "about", "of", "have", "has", "had", "having", "any",
        "intention", "intentions", "intent", "desire", "urge", "urges", "wish", "need",
        "that", "so", "at", "all", "longer", "would", "will", "could", "should",
        "might", "experiencing", "get", "getting", "got", "a", "an", "the", "some",
        "more", "or", "suicidal", "self", "harm", "anymore", "right", "now",
        "currently", "anything", "signs", "symptoms", "sign",
        # Spanish: "no soy suicida", "no estoy pensando en matarme", "no me voy a cortar"
        "soy", "estoy", "es", "ser", "estar", "me", "voy", "vo", "a", "pienso", "pensando",
        "en", "tengo", "ganas", "de", "quiero", "lo", "que", "para", "nada",
        # the Spanish of the English fillers above ("have", "thought", "any", "plan", "again"):
        # "no he vuelto a pensar en...", "no tengo ningún plan de...", "no tengo intención de..."
        "he", "has", "ha", "hemos", "vuelto", "pensar", "pensado", "estado", "ningun",
        "ninguna", "ninguno", "plan", "planes", "intencion", "intenciones", "idea", "ideas",
        "deseo", "deseos", "hacer", "realmente", "sinceramente", "mas",
    )
)  # fmt: skip
_NEGATION_WINDOW: Final = 6
_NEGATION_LOOKBACK: Final = 8


def _negated(s: str, start: int, cues: frozenset[str]) -> bool:
    """True if a negation cue directly governs the phrase starting at ``start``."""
    clause_start = s.rfind("|", 0, start) + 1
    words = s[clause_start:start].split()
    for steps, index in enumerate(range(len(words) - 1, -1, -1)):
        if steps >= _NEGATION_WINDOW:
            return False
        word = words[index]
        if word in cues:
            # A doubled negation affirms: "havent stopped using", "not a day goes by
            # that i dont think about killing myself". A "no" that opens the clause is an
            # answer, not a negation: "no im not going to hurt myself".
            earlier = words[max(0, index - _NEGATION_LOOKBACK) : index]
            if index - len(earlier) == 0 and earlier[:1] == ["no"]:
                earlier = earlier[1:]
            return _DOUBLE_NEGATORS.isdisjoint(earlier)
        if word not in _NEGATION_FILLERS:
            return False
    return False


def _survives(rule: _Rule, m: re.Match[str], s: str, benign: list[re.Pattern[str]]) -> bool:
    """A match counts unless negated, vetoed by its subject, or inside an exception."""
    start, end = m.span()
    if rule.negatable:
        cues = _USE_NEGATION_CUES if rule.kind is _USE else _NEGATION_CUES
        if _negated(s, start, cues):
            return False
    if rule.veto_before is not None:
        clause_start = s.rfind("|", 0, start) + 1
        if rule.veto_before.search(s, clause_start, start) is not None:
            return False
    if rule.id not in _CLAUSE_CANCEL_EXEMPT:
        breaks = [b.end() for b in _CLAUSE_BREAK.finditer(s, 0, start)]
        after = _CLAUSE_BREAK.search(s, end)
        clause = s[breaks[-1] if breaks else 0 : after.start() if after else len(s)]
        if _CLAUSE_CANCEL.search(clause):
            return False
    window_start, window_end = max(0, start - _BENIGN_WINDOW), end + _BENIGN_WINDOW
    for pattern in benign:
        for exception in pattern.finditer(s, window_start, window_end):
            if exception.start() <= start and end <= exception.end():
                return False
    return True


def _best_rule(s: str, words: frozenset[str]) -> tuple[_Rule | None, bool]:
    """Highest-priority rule with at least one surviving match in ``s``, and whether some
    match did not survive (negated, vetoed or inside an exception)."""
    cancelled = False
    candidates = set(_UNINDEXED_ALTS)
    for word in words:
        ids = _ALT_INDEX.get(word)
        if ids is not None:
            candidates.update(ids)
    benign: list[re.Pattern[str]] | None = None
    alt_id = -1
    for rule in _RULES:
        for alt in rule.alts:
            alt_id += 1
            if alt_id not in candidates or not alt.possible(s, words):
                continue
            pos = 0
            while (m := alt.pattern.search(s, pos)) is not None:
                if benign is None:
                    benign = [b.pattern for b in _BENIGN_ALTS if b.possible(s, words)]
                if _survives(rule, m, s, benign):
                    return rule, cancelled
                cancelled = True
                pos = m.start() + 1
    return None, cancelled


def _triage(text: str) -> Triage:
    best: _Rule | None = None
    cancelled = False
    for s, words in _variants(text):
        rule, undone = _best_rule(s, words)
        cancelled = cancelled or undone
        if rule is not None and (best is None or rule.priority > best.priority):
            best = rule
    if best is None:
        return Triage(None, None, cancelled) if cancelled else _NOT_CRISIS
    return Triage(best.kind, best.id)


def triage(text: str) -> Triage:
    """Classify one free-text patient message. Pure, deterministic, never raises."""
    try:
        return _triage(text)
    except Exception:  # fail closed: an internal error must not hide a crisis
        return _FAIL_SAFE
