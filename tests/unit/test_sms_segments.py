"""SMS segment counting: GSM-7 and its extension table, UCS-2, and where parts are cut."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.sms.segments import (
    GSM_PART,
    UCS2_PART,
    SegmentInfo,
    encoding,
    measure,
    parts,
    segments,
)

# The GSM 03.38 basic table without the escape (0x1B): 127 characters.
BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
EXTENSION = "\f^{}\\[~]|€"


def test_the_whole_basic_table_is_gsm_and_one_septet_each() -> None:
    assert len(BASIC) == 127 and len(set(BASIC)) == 127
    info = measure(BASIC)
    assert info == SegmentInfo("GSM-7", 127, 1)


@pytest.mark.parametrize("char", list(EXTENSION))
def test_extension_characters_are_gsm_and_count_two(char: str) -> None:
    info = measure("a" + char)
    assert (info.encoding, info.units) == ("GSM-7", 3)


def test_160_gsm_characters_are_one_segment_and_161_are_two() -> None:
    assert segments("a" * 160) == 1
    assert segments("a" * 161) == 2
    assert segments("a" * GSM_PART * 2) == 2
    assert segments("a" * (GSM_PART * 2 + 1)) == 3


def test_extension_characters_fill_a_segment_twice_as_fast() -> None:
    assert measure("€" * 80) == SegmentInfo("GSM-7", 160, 1)
    assert segments("€" * 80 + "!") == 2
    assert segments("[" * 79 + "ab") == 1  # 158 + 2 septets
    assert segments("[" * 79 + "abc") == 2


def test_an_escape_and_its_character_stay_in_one_part() -> None:
    text = "a" * 152 + "€" + "a" * 10
    assert parts(text) == ("a" * 152, "€" + "a" * 10)
    # 306 septets would fill exactly two parts of 153, but each € that does not fit moves whole
    # to the next part, leaving a septet unused twice: three parts.
    tight = "a" * 152 + "€" + "a" * 150 + "€"
    assert measure(tight).units == 306
    assert segments(tight) == 3


def test_70_ucs2_units_are_one_segment_and_71_are_two() -> None:
    assert measure("á" * 70) == SegmentInfo("UCS-2", 70, 1, "á", 0)
    assert segments("á" * 71) == 2
    assert segments("á" * UCS2_PART * 2) == 2
    assert segments("á" * (UCS2_PART * 2 + 1)) == 3


def test_one_character_outside_gsm_makes_the_whole_text_ucs2() -> None:
    gsm = "a" * 100
    assert segments(gsm) == 1
    info = measure(gsm + "ó")
    assert info.encoding == "UCS-2"
    assert info.units == 101 and info.segments == 2
    assert (info.first_non_gsm, info.first_non_gsm_at) == ("ó", 100)


@pytest.mark.parametrize("char", list("éÉñÑüÜ¿¡àèìòù"))
def test_spanish_letters_that_are_in_gsm7(char: str) -> None:
    assert encoding(char) == "GSM-7"


@pytest.mark.parametrize("char", list("áíóúÁÍÓÚçâêôõ"))
def test_accented_letters_that_are_not_in_gsm7(char: str) -> None:
    # Acute á í ó ú (either case) are not in GSM 03.38: only é/É are. Ç is, ç is not.
    assert encoding(char) == "UCS-2"


def test_spanish_sentences() -> None:
    assert encoding("¿Qué tal, señor? ¡Nos vemos el lunes!") == "GSM-7"
    info = measure("¿Tomó su dosis hoy?")
    assert info.encoding == "UCS-2"
    assert (info.first_non_gsm, info.first_non_gsm_at) == ("ó", 4)
    assert "'ó' (U+00F3) at index 4" in info.explain()


def test_typographic_punctuation_is_not_gsm() -> None:
    # A curly apostrophe pasted from a word processor costs more than half of the segment.
    assert encoding("Don't forget") == "GSM-7"
    assert encoding("Don’t forget") == "UCS-2"
    assert encoding("a – b") == "UCS-2"  # en dash
    assert encoding("tab\there") == "UCS-2"
    assert encoding("`") == "UCS-2"
    assert encoding("line one\r\nline two") == "GSM-7"


def test_an_emoji_is_two_units() -> None:
    assert measure("😀" * 35) == SegmentInfo("UCS-2", 70, 1, "😀", 0)
    assert segments("😀" * 35 + "a") == 2
    assert measure("Good job 👍").units == 11


def test_a_surrogate_pair_is_never_split_across_parts() -> None:
    text = "a" * 66 + "😀" + "a" * 10
    assert measure(text).units == 78
    assert parts(text) == ("a" * 66, "😀" + "a" * 10)
    # A part of 67 units holds 33 emoji, not 33.5: 66 emoji are two parts, 67 (134 units,
    # exactly two parts' worth) are three.
    assert segments("😀" * 66) == 2
    assert measure("😀" * 67).units == 2 * UCS2_PART
    assert [len(part) for part in parts("😀" * 67)] == [33, 33, 1]


def test_an_empty_text_is_no_message() -> None:
    assert measure("") == SegmentInfo("GSM-7", 0, 0)
    assert parts("") == ()


def test_explain_names_the_segments_and_the_limit() -> None:
    assert measure("a" * 161).explain() == "2 segment(s), 161 GSM-7 units (one segment holds 160)"


@given(st.text(max_size=500))
def test_parts_rebuild_the_text_and_each_fits(text: str) -> None:
    info = measure(text)
    cut = parts(text)
    assert "".join(cut) == text
    assert len(cut) == info.segments
    if info.segments > 1:
        for part in cut:
            part_units = measure(part).units
            # A part measured alone may be GSM-7 even in a UCS-2 text: then it is smaller still.
            assert part_units <= (GSM_PART if info.encoding == "GSM-7" else UCS2_PART)
