"""Crisis triage: evaluation set, negation, normalisation, robustness, replies."""

from __future__ import annotations

import random
import re
from dataclasses import FrozenInstanceError

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.domain import triage as triage_module
from bot.domain.triage import CrisisKind, Triage, crisis_reply, triage

SSH = CrisisKind.SUICIDE_SELF_HARM
OD = CrisisKind.OVERDOSE_EMERGENCY
USE = CrisisKind.USE_IN_PROGRESS
POI = CrisisKind.POISONING
MED = CrisisKind.MEDICAL_EMERGENCY

# --------------------------------------------------------------------------
# Evaluation set (kept here for now; a later issue may move it to a data file)
# --------------------------------------------------------------------------

# Written the way people in distress text: typos, slang, lowercase, no
# punctuation, abbreviations. Every one must be caught with the right category.
CRISIS_MESSAGES: list[tuple[str, CrisisKind]] = [
    # suicide / self-harm
    ("i want to die", SSH),
    ("i wanna diiie", SSH),
    ("kms", SSH),
    ("honestly might just kms tonight", SSH),
    ("i kinda wanna kms ngl", SSH),
    ("gonna kil myself", SSH),
    ("KILL MYSELF", SSH),
    ("i just want to end it all", SSH),
    ("I am going to end it tonight", SSH),
    ("i dont want to be here anymore", SSH),
    ("don’t want to be here any more", SSH),
    ("dont wanna live no more", SSH),
    ("I don't want to live anymore", SSH),
    ("not sure I want to live anymore", SSH),
    ("I'm not okay, I want to die", SSH),
    ("im not okay i want to die", SSH),
    ("i dont even want to be alive", SSH),
    ("theyd all be better off without me", SSH),
    ("better off dead tbh", SSH),
    ("im thinking about unaliving myself", SSH),
    ("want to unalive", SSH),
    ("sewer slide thoughts again", SSH),
    ("im suicidal", SSH),
    ("feeling suicidel again", SSH),
    ("there's no reason to live", SSH),
    ("whats the point of living", SSH),
    ("i cant do this anymore", SSH),
    ("cutting myself again", SSH),
    ("i keep hurting myself", SSH),
    ("urge to cut is so bad", SSH),
    ("im going to hang myself", SSH),
    ("thinking about jumping off the bridge", SSH),
    ("i wish i was dead", SSH),
    ("i hope i dont wake up tomorrow", SSH),
    ("I want to go to sleep and never wake up", SSH),
    ("nobody would even notice if i was gone", SSH),
    ("this is goodbye. thank you for everything", SSH),
    ("I'm going to take all my sleeping pills tonight", SSH),
    ("I want to overdose", SSH),
    ("I'm gonna OD on purpose", SSH),
    ("i dont care if i die", SSH),
    ("i want to die for real", SSH),
    ("I don't want to die but I don't want to live like this", SSH),
    ("i'd rather die than keep living like this", SSH),
    ("I'm not suicidal but I keep thinking about dying", SSH),
    ("kys", SSH),
    # overdose / medical emergency
    ("i think i overdosed", OD),
    ("i think i od'd", OD),
    ("he OD'd", OD),
    ("my bf is ODing", OD),
    ("think my brother just od", OD),
    ("overdose", OD),
    ("took too many pills", OD),
    ("i took the whole bottle", OD),
    ("i took 30 pills", OD),
    ("took a handful of my sleeping pills", POI),
    ("took way too many percs", OD),
    ("cant breathe", OD),
    ("i cant breath", OD),
    ("cnt breathe chest tight", OD),
    ("chest pain real bad", MED),
    ("hes not breathing", OD),
    ("HE ISNT BREATHING", OD),
    ("his breathing is really slow", OD),
    ("her lips are blue", OD),
    ("my roommate is turning blue please help", OD),
    ("he's unresponsive", OD),
    ("she passed out and wont wake up", OD),
    ("gave him narcan and hes still not waking up", OD),
    ("my friend is having a seizure", OD),
    ("she's seizing", OD),
    ("i think im dying", OD),
    ("should i call 911", OD),
    ("im in precipitated withdrawal", MED),
    ("throwing up blood", MED),
    ("drank a whole bottle of vodka", OD),
    # use in progress / about to use
    ("using right now", USE),
    ("about to shoot up", USE),
    ("just shot up", USE),
    ("took a lot of heroin to get past the naltrexone", USE),
    ("going to take more to feel it", USE),
    ("trying to override the block", USE),
    ("relapsed and using fent", USE),
    ("im drunk and driving", USE),
    ("driving home drunk rn", USE),
    ("gonna use tonight", USE),
    ("on my way to cop", USE),
    ("just copped some fent", USE),
    ("im high af rn", USE),
    ("cant feel the dope so im doing more", USE),
    ("how much fent to beat the vivitrol", USE),
    ("gonna skip my shot so i can use", USE),
    ("snorting percs rn", USE),
    ("im using again", USE),
    ("i relapsed last night", USE),
    ("texting my dealer", USE),
    ("im about to relapse", USE),
    ("if i use heroin on vivitrol will i feel it", USE),
    ("mixing xanax and alcohol tonight", USE),
    ("i took fent", USE),
    # medicines other than opioids, household products
    ("i took my whole script of sleeping pills", POI),
    ("my kid got into my pills", POI),
    ("took all of my tylenol at once", POI),
    ("swallowed all my meds", POI),
    ("my toddler swallowed some of grandmas pills", POI),
    ("i drank bleach", POI),
    ("me tome todas mis pastillas", POI),
    ("se tomo las pastillas de su abuela", POI),
    ("took my whole prescription", POI),
    ("she ate a whole bottle of advil", POI),
    # medical emergencies that are not an overdose
    ("my face is swelling up after my shot", MED),
    ("my throat is closing", MED),
    ("allergic reaction to the shot cant breathe right", MED),
    ("lips swollen and hives all over", MED),
    ("tengo dolor de pecho", MED),
    ("se me esta hinchando la cara", MED),
    ("vomitando sangre", MED),
    ("pretty sure its alcohol poisoning", MED),
    ("heart attack i think", MED),
    ("having the dts", MED),
    # Spanish
    ("quiero morir", SSH),
    ("ya no quiero vivir", SSH),
    ("me quiero matar", SSH),
    ("voy a quitarme la vida esta noche", SSH),
    ("no respira y tiene los labios morados", OD),
    ("creo que es una sobredosis", OD),
    ("me acabo de inyectar", USE),
    ("hoy me mato", SSH),
    ("ending my life", SSH),
    ("im gonna jump", SSH),
    ("jumping tonight", SSH),
    ("she wont wake", OD),
    ("no pulse", OD),
    ("took them all", POI),
    ("whole bottle tylenol", POI),
    ("mixed xanax and alcohol", POI),
    ("me drogué", USE),
    ("ya usé", USE),
    ("me metí fenta", USE),
    ("me inyecté heroína", USE),
    ("mañana me ahorco", SSH),
    ("esta noche me tiro del puente", SSH),
    ("me aviento al metro", SSH),
    ("voy a comprar fenta", USE),
]

# Look-alikes that are not crises: idioms, negated statements, benign questions.
LOOKALIKE_MESSAGES: list[str] = [
    # idioms
    "I'm dying to know if the shot hurts",
    "this heat is killing me",
    "killing it at work today 💪",
    "I could kill for a coffee rn",
    "my phone died so I missed the reminder",
    "dead tired after my shift",
    "this joke kills me 😂",
    "I overdosed on netflix this weekend lol",
    "me voy a morir de viejo esperando la cita",
    "my phone about to die, I'll text you tomorrow",
    "battery is dying, talk later",
    "what do withdrawal seizures look like? my husband is quitting drinking",
    "me cortó mi novia por mensaje, qué oso",
    "me mato trabajando toda la semana",
    "me mato de risa con este video",
    "hoy no me mato en el gym, estoy cansado",
    "me tiro en la cama y ya",
    "I jumped in the pool with the kids",
    "jumping jacks tonight at the gym",
    "took them all back to the store",
    "i took them all this morning like you said",
    "pulse oximeter reads 98, no pulse issues",
    "ending my lease early",
    "me inyecté la vivitrol ayer en la clínica",
    "ya usé el cupón de la farmacia",
    "compré una cuerda para el tendedero",
    "tengo una navaja para el trabajo",
    "my feet are killing me",
    "I was dying of laughter at the meeting",
    "I'm dead serious, this stuff works",
    "that cake was to die for",
    "I'd rather die than go back to drinking",
    "I'm taking my life back one day at a time",
    "I cut myself shaving lol",
    "I'm high on life today!",
    "the suspense is killing me",
    "I'm so tired of this rain",
    "I'm sick of waking up early",
    "I want to end it with my boyfriend",
    "I want to cut down on drinking",
    "my cravings shot up after work",
    "my blood pressure shot up",
    "that's odd, the pill looks different",
    "seizing the day!",
    "we are all going to die someday",
    # negated statements
    "I'm not suicidal, just asking about side effects",
    "I don't want to kill myself, I just feel tired",
    "I'd never hurt myself",
    "I'm not going to kill myself, I promise",
    "no suicidal thoughts this week, mood is better",
    "I have no plans to kill myself",
    "I didn't overdose, I just fell asleep early",
    "no chest pain, just a headache",
    "I'm not high, I'm just sleepy",
    "I'm not drinking and driving anymore, I take the bus",
    "I had no cravings today and I'm not using",
    "I'm not going to relapse",
    "I stopped using heroin 2 years ago",
    "I used heroin for 10 years before starting this",
    # benign naltrexone questions and chat
    "can I drink on naltrexone",
    "what if I miss a dose",
    "does it make you tired",
    "what happens if someone overdoses on naltrexone?",
    "does naltrexone prevent overdose?",
    "is it possible to overdose on naltrexone?",
    "Can you OD on naltrexone?",
    "The overdose risk after stopping naltrexone is scary",
    "My prescription says 50mg OD",
    "does naltrexone cause liver damage?",
    "how long does the shot last?",
    "I got my vivitrol shot today",
    "is nausea normal in the first week?",
    "Is it safe to take naltrexone with ibuprofen?",
    "how do I get narcan just in case",
    "does naltrexone help with alcohol cravings",
    "I forgot to take my naltrexone yesterday",
    "can you drink alcohol while taking naltrexone?",
    "I got fentanyl test strips",
    "the app is not responding",
    "I used the app today",
    "I want to use so bad",
    "thinking about using but I won't",
    "I'm proud of myself for staying sober",
    "I don't want to go on naltrexone anymore",
    "not sure i can make it to my appointment",
    "my friend overdosed years ago and it still haunts me",
    "good morning! slept well",
]

# Judgement calls, documented in the module docstring. General questions about
# overdose are not crises when clearly informational; anything that may be
# happening now (first person, symptoms, "signs of an overdose") is.
DOCUMENTED_CHOICES: list[tuple[str, CrisisKind | None]] = [
    ("what happens if someone overdoses on naltrexone?", None),
    ("does naltrexone prevent overdose?", None),
    ("can u od on naltrexone", None),
    ("naloxone for overdose, how does it work?", None),
    ("can I overdose on naltrexone?", OD),
    ("what are the signs of an overdose", None),
    ("how do i know if someone is overdosing", None),
    ("my brother overdosed", OD),
    ("does naltrexone cause chest pain?", MED),
    ("does naltrexone cause suicidal thoughts?", SSH),
    ("i want to die lol", SSH),
    ("I want to use so bad", None),
    ("I relapsed", USE),
    ("I relapsed 2 years ago", None),
    ("im drinking right now", None),
    ("drunk driving right now", USE),
]


def _evaluate() -> tuple[float, float, list[str]]:
    problems: list[str] = []
    caught = 0
    for text, kind in CRISIS_MESSAGES:
        result = triage(text)
        if result.kind is kind:
            caught += 1
        else:
            problems.append(f"missed/miscategorised {text!r}: {result}")
    false_positives = 0
    for text in LOOKALIKE_MESSAGES:
        result = triage(text)
        if result.is_crisis:
            false_positives += 1
            problems.append(f"false positive {text!r}: {result}")
    recall = caught / len(CRISIS_MESSAGES)
    fp_rate = false_positives / len(LOOKALIKE_MESSAGES)
    return recall, fp_rate, problems


def test_evaluation_set_sizes() -> None:
    assert len(CRISIS_MESSAGES) >= 40
    assert len(LOOKALIKE_MESSAGES) >= 20
    assert {kind for _, kind in CRISIS_MESSAGES} == set(CrisisKind)
    for kind in CrisisKind:
        assert sum(1 for _, k in CRISIS_MESSAGES if k is kind) >= 10


def test_evaluation_summary() -> None:
    recall, fp_rate, problems = _evaluate()
    print(
        f"\ncrisis triage: recall {recall:.3f} on {len(CRISIS_MESSAGES)} crisis messages, "
        f"false-positive rate {fp_rate:.3f} on {len(LOOKALIKE_MESSAGES)} look-alikes"
    )
    for problem in problems:
        print("  " + problem)
    assert recall == 1.0, problems
    assert fp_rate == 0.0, problems


@pytest.mark.parametrize(("text", "kind"), CRISIS_MESSAGES)
def test_crisis_message_caught_with_right_category(text: str, kind: CrisisKind) -> None:
    result = triage(text)
    assert result.kind is kind, result
    assert result.is_crisis


@pytest.mark.parametrize("text", LOOKALIKE_MESSAGES)
def test_lookalike_is_not_a_crisis(text: str) -> None:
    assert triage(text) == Triage(None, None)


@pytest.mark.parametrize(("text", "kind"), DOCUMENTED_CHOICES)
def test_documented_judgement_calls(text: str, kind: CrisisKind | None) -> None:
    assert triage(text).kind is kind


# --------------------------------------------------------------------------
# Negation scope
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        # a negation cancels only the phrase it governs ...
        ("I'm not suicidal", None),
        ("i am not having any thoughts of suicide", None),
        ("No, I haven't had any thoughts of suicide", None),
        ("never felt suicidal in my life", None),
        ("I don't want to kill myself", None),
        ("I do not want to die", None),
        ("I haven't used", None),
        ("i quit using heroin", None),
        # Spanish, with the Spanish of the same fillers
        ("no tengo ningún plan de lastimarme, solo quería hablar", None),
        ("no he vuelto a pensar en quitarme la vida desde la terapia", None),
        ("no tengo intención de matarme", None),
        ("no he pensado en suicidarme", None),
        # ... and not a later phrase, nor across a clause or a pronoun
        ("I'm not suicidal but I want to die", SSH),
        ("I'm not going to lie, I want to die", SSH),
        ("im not gonna lie ive been thinking about killing myself", SSH),
        ("I'm fine. Just kidding I want to die", SSH),
        ("i dont know why i want to die", SSH),
        ("i can't stop thinking about killing myself", SSH),
        ("I've stopped using heroin but now I want to die", SSH),
        ("no he dormido y quiero morirme", SSH),
        ("no aguanto, ningún plan me sirve, me voy a matar", SSH),
        ("no tengo a nadie y quiero matarme", SSH),
        ("my phone is dead and I want to die", SSH),
        # negation that flips to crisis
        ("I'm not sure I want to live anymore", SSH),
        ("I'm not so sure I want to live anymore", SSH),
        ("i dont really want to be alive anymore", SSH),
        ("I no longer want to live", SSH),
        ("I don't see the point in living", SSH),
        ("I don't want to wake up tomorrow", SSH),
        ("he's not breathing", OD),
        ("she isnt responding", OD),
        ("he won't wake up", OD),
        # a doubled negation affirms
        ("i havent stopped using", USE),
        ("I can't go a day without wanting to die", SSH),
        ("not a day goes by that I don't think about killing myself", SSH),
        ("can't stop using", USE),
    ],
)
def test_negation_scope(text: str, kind: CrisisKind | None) -> None:
    assert triage(text).kind is kind


# --------------------------------------------------------------------------
# Normalisation
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "I WANT TO DIE",
        "i want to die!!!",
        "i want to die 😭😭",
        "i 😭 want 😭 to 😭 die",
        "i waaaant to diiiiie",
        "i want 2 die",
        "i wan to die",
        "want.to.die",
        "i   want\tto\n\ndie",
        "i w4nt t0 d13",
        "I want to k!ll myself",
        "$uicide",
        "su1c1de",
        "ѕuicide",  # Cyrillic "ѕ"
        "Ｉ ｗａｎｔ ｔｏ ｄｉｅ",  # full width
        "i want to dìé",  # accents
        "I\u200b want to d\u200bie",  # zero-width spaces
        "\u202ei want to die\u202c",  # bidi controls
        "I want to d i e",
        "k i l l m y s e l f",
        "k.m.s",
        "iwanttodie",
        "#wanttodie",
        "kil my self",
        "killmyself",
        "suiside",
        "I don’t want to live anymore",  # curly apostrophe
        "I don`t want to live anymore",
    ],
)
def test_normalisation_still_catches(text: str) -> None:
    assert triage(text).kind is SSH


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("he ODd", OD),
        ("she ODed", OD),
        ("o.d.", OD),
        ("my friend od'ing", OD),
        ("he’s o.d.ing", OD),
        ("that's odd", None),
        ("the odds are good", None),
    ],
)
def test_overdose_abbreviations(text: str, kind: CrisisKind | None) -> None:
    assert triage(text).kind is kind


def test_empty_and_whitespace_are_not_crises() -> None:
    for text in ["", " ", "\n\n", "😀", "...", "\u200b"]:
        assert triage(text) == Triage(None, None)


def test_long_message_with_crisis_at_the_end() -> None:
    filler = "Today was a long day at work and I walked the dog. " * 100
    text = (filler + "i want to die")[-4096:]
    assert len(text) == 4096
    assert triage(text).kind is SSH


# --------------------------------------------------------------------------
# Robustness (hypothesis)
# --------------------------------------------------------------------------

_RULE_ID_RE = re.compile(r"^(?:ssh|od|use|poison|med)\.[a-z_]+$")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=4096))
def test_never_raises_and_is_deterministic(text: str) -> None:
    first = triage(text)
    assert isinstance(first, Triage)
    assert first == triage(text)
    assert first.matched_rule != "internal.error"
    assert first.is_crisis == (first.kind is not None)
    assert (first.kind is None) == (first.matched_rule is None)
    if first.matched_rule is not None:
        assert _RULE_ID_RE.match(first.matched_rule)


@pytest.mark.parametrize(
    "text",
    [
        "\ud800\udfff lone surrogates \udc80",
        "\x00\x01\x02\x7f",
        "\ufeff\ufffe\uffff",
        "\U0010ffff" * 100,
        "é" * 4096,
        "a " * 2048,
        "k1ll d13 50mg " * 300,
        "I'm not suicidal. " * 230,
    ],
)
def test_odd_inputs_do_not_hit_the_fail_safe(text: str) -> None:
    assert triage(text).matched_rule != "internal.error"


# Padding that by design never combines with a phrase (no negation cues, no
# idiom tails such as "for", "of", "on", "lol").
_PADDING = [
    "hey", "so", "today", "work", "was", "long", "my", "dog", "coffee", "weather", "anyway",
    "honestly", "tired", "mom", "called", "meeting", "lunch", "walked", "park", "later", "um",
    "well", "ok", "yeah", "naltrexone", "appointment", "tomorrow", "ugh", "tbh", "ngl", "sorry",
    "bro", "man", "night", "week", "kids", "car", "bus", "rain",
]  # fmt: skip
_SEPARATORS = [" ", ", ", ". ", "\n", " ... ", " 😭 ", "! ", " - "]
_INSERTED: list[tuple[str, CrisisKind]] = [
    ("i want to die", SSH),
    ("i want to kill myself", SSH),
    ("kms", SSH),
    ("i dont want to be here anymore", SSH),
    ("there is no reason to live", SSH),
    ("i took the whole bottle", OD),
    ("i think i overdosed", OD),
    ("hes not breathing", OD),
    ("my chest hurts", MED),
    ("about to shoot up", USE),
    ("trying to override the block", USE),
    ("using fent right now", USE),
]
_STYLES = [
    lambda s: s,
    str.upper,
    str.title,
    lambda s: s.replace("'", "’"),
    lambda s: re.sub(r"([aeiou])", r"\1\1\1", s),
]


@settings(max_examples=300, deadline=None)
@given(
    before=st.lists(st.sampled_from(_PADDING), max_size=30),
    after=st.lists(st.sampled_from(_PADDING), max_size=30),
    sep_before=st.sampled_from(_SEPARATORS),
    sep_after=st.sampled_from(_SEPARATORS),
    inserted=st.sampled_from(_INSERTED),
    style=st.sampled_from(_STYLES),
)
def test_crisis_phrase_in_benign_padding_still_triggers(
    before: list[str],
    after: list[str],
    sep_before: str,
    sep_after: str,
    inserted: tuple[str, CrisisKind],
    style: object,
) -> None:
    phrase, kind = inserted
    assert callable(style)
    text = " ".join(before) + sep_before + style(phrase) + sep_after + " ".join(after)
    assert triage(text).kind is kind


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(_PADDING), max_size=60), st.sampled_from(_SEPARATORS))
def test_benign_padding_alone_is_not_a_crisis(words: list[str], sep: str) -> None:
    assert not triage(sep.join(words)).is_crisis


def test_internal_error_fails_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(text: str) -> Triage:
        raise RuntimeError("boom")

    monkeypatch.setattr(triage_module, "_triage", broken)
    result = triage("anything")
    assert result.kind is SSH
    assert result.matched_rule == "internal.error"


# --------------------------------------------------------------------------
# Rule table and prefilter
# --------------------------------------------------------------------------


def test_rule_ids_are_unique_and_well_formed() -> None:
    ids = [rule.id for rule in triage_module._RULES]
    assert len(ids) == len(set(ids))
    for rule_id in ids:
        assert _RULE_ID_RE.match(rule_id), rule_id


def test_matched_rule_never_contains_message_text() -> None:
    for text, _ in CRISIS_MESSAGES:
        rule_id = triage(text).matched_rule
        assert rule_id is not None
        assert _RULE_ID_RE.match(rule_id)


def _sample(node: object, rnd: random.Random) -> str:
    """A random string the parsed pattern node could match (lookarounds ignored)."""
    if isinstance(node, triage_module._Lit):
        return node.ch
    if isinstance(node, triage_module._Atom):
        return rnd.choice(" |") if node.sep else rnd.choice("abcdefghijklmnopqrstuvwxyz0123456789")
    if isinstance(node, triage_module._Zero):
        return ""
    if isinstance(node, triage_module._Group):
        return "".join(_sample(item, rnd) for item in rnd.choice(node.alts))
    assert isinstance(node, triage_module._Rep)
    return "".join(_sample(node.item, rnd) for _ in range(node.min + rnd.choice([0, 0, 1, 2])))


def test_prefilter_never_skips_a_pattern_that_matches() -> None:
    """The word/substring prefilter must be sound: whenever a pattern matches a
    normalised text, the prefilter must let it through."""
    rnd = random.Random(20240611)
    padding = [
        "i",
        "the",
        "to",
        "my",
        "want",
        "die",
        "kil",
        "myself",
        "not",
        "dont",
        "overdose",
        "tok",
        "pils",
    ]
    rule_alts = [(rule.id, alt) for rule in triage_module._RULES for alt in rule.alts]
    benign_alts = [("benign", alt) for alt in triage_module._BENIGN_ALTS]
    checked = 0
    for _ in range(25):
        for alt_id, (rule_id, alt) in enumerate(rule_alts + benign_alts):
            tree = triage_module._Parser(alt.pattern.pattern).parse()
            parts = [
                " ".join(rnd.choices(padding, k=rnd.randint(0, 3))),
                _sample(tree, rnd),
                " ".join(rnd.choices(padding, k=rnd.randint(0, 3))),
            ]
            s = re.sub(r"[ |]{2,}", " ", " ".join(p for p in parts if p)).strip(" |")
            if alt.pattern.search(s) is None:
                continue
            checked += 1
            words = triage_module._words(s)
            assert alt.possible(s, words), (rule_id, alt.pattern.pattern, s)
            if rule_id != "benign" and alt_id not in triage_module._UNINDEXED_ALTS:
                assert any(alt_id in triage_module._ALT_INDEX.get(w, ()) for w in words), (
                    rule_id,
                    s,
                )
    assert checked > 1000


def test_prefilter_is_sound_on_the_evaluation_set() -> None:
    texts = [t for t, _ in CRISIS_MESSAGES] + LOOKALIKE_MESSAGES
    alts = [alt for rule in triage_module._RULES for alt in rule.alts]
    for text in texts:
        for s, words in triage_module._variants(text):
            for alt in alts:
                if alt.pattern.search(s) is not None:
                    assert alt.possible(s, words), (text, alt.pattern.pattern)


# --------------------------------------------------------------------------
# Replies
# --------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("kind", list(CrisisKind))
def test_crisis_reply_has_the_essentials(kind: CrisisKind, lang: str) -> None:
    reply = crisis_reply(kind, lang=lang)
    assert "988" in reply
    assert "911" in reply
    if kind in (POI, MED):
        # Not a mental-health line first: what to do now, and Poison Control for medicines.
        assert kind is MED or "1-800-222-1222" in reply
    else:
        assert "1-800-662-4357" in reply
    assert "agonist" not in reply.lower()  # also rules out "antagonist"
    assert ("care team" if lang == "en" else "equipo de atención") in reply
    assert len(reply) <= (600 if lang == "en" else 700)
    assert not re.search(r"[*_`\[\]<>#|~]", reply), "plain text only, no Markdown/HTML"
    assert reply == reply.strip()


def test_overdose_reply_says_what_to_do() -> None:
    reply = crisis_reply(OD).lower()
    assert "call 911" in reply
    assert "naloxone" in reply and "narcan" in reply
    assert "do not leave the person alone" in reply


def test_use_reply_warns_about_the_blockade() -> None:
    reply = crisis_reply(USE).lower()
    assert "never try to overcome" in reply
    assert "fatal overdose" in reply
    assert "breathing slowly" in reply and "call 911" in reply
    assert "naloxone" in reply


def test_suicide_reply_points_to_988() -> None:
    reply = crisis_reply(SSH)
    assert "call or text 988" in reply


def test_triage_result_is_frozen() -> None:
    result = triage("i want to die")
    assert result == Triage(SSH, result.matched_rule)
    with pytest.raises(FrozenInstanceError):
        result.kind = None  # type: ignore[misc]
    assert CrisisKind("use_in_progress") is USE
    assert str(OD) == "overdose_emergency"


@pytest.mark.parametrize("kind", list(CrisisKind))
def test_reply_promises_a_call_only_when_the_team_was_told(kind: CrisisKind) -> None:
    assert "has been told" in crisis_reply(kind)
    untold = crisis_reply(kind, care_team_told=False)
    assert "has been told" not in untold and "tell your care team" in untold
    assert "988" in untold and "911" in untold
    assert "ya sabe" in crisis_reply(kind, lang="es")
    untold_es = crisis_reply(kind, care_team_told=False, lang="es")
    assert "ya sabe" not in untold_es and "avísele también" in untold_es
