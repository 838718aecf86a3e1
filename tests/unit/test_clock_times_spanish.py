"""Times, dates and weekly plans typed in Spanish (or mixed with English), accents optional;
errors in the patient's language."""

from __future__ import annotations

from datetime import date, time

import pytest

from bot.domain.clock_times import (
    ParseError,
    parse_date,
    parse_time_of_day,
    parse_times_of_day,
    parse_weekly_regimen,
)

TODAY = date(2026, 11, 25)  # a Wednesday


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("8 de la mañana", time(8, 0)),
        ("8 de la manana", time(8, 0)),
        ("8 DE LA MAÑANA", time(8, 0)),
        ("8 pm", time(20, 0)),
        ("8 p. m.", time(20, 0)),
        ("8:30 p.m.", time(20, 30)),
        ("mediodía", time(12, 0)),
        ("mediodia", time(12, 0)),
        ("12 del mediodía", time(12, 0)),
        ("medianoche", time(0, 0)),
        ("a las 8", time(8, 0)),
        ("a la 1 de la tarde", time(13, 0)),
        ("las 9 de la noche", time(21, 0)),
        ("8 y media de la noche", time(20, 30)),
        ("7 y cuarto", time(7, 15)),
        ("9 menos cuarto", time(8, 45)),
        ("12 de la noche", time(0, 0)),
        ("3 de la madrugada", time(3, 0)),
        ("20 horas", time(20, 0)),
        ("8 en punto", time(8, 0)),
    ],
)
def test_spanish_times(text: str, expected: time) -> None:
    assert parse_time_of_day(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("8 de la mañana y 8 de la noche", [time(8, 0), time(20, 0)]),
        ("8am y 8pm", [time(8, 0), time(20, 0)]),
        ("9 de la manana, mediodia", [time(9, 0), time(12, 0)]),
        ("8:30pm and 9 de la mañana", [time(9, 0), time(20, 30)]),
    ],
)
def test_several_spanish_times_and_mixed(text: str, expected: list[time]) -> None:
    assert parse_times_of_day(text) == expected


def test_time_errors_in_spanish_and_english_unchanged() -> None:
    with pytest.raises(ParseError) as caught:
        parse_time_of_day("cuando pueda", lang="es")
    assert str(caught.value) == (
        "No pude entender “cuando pueda” como una hora. Envíe una hora como 08:00 u 8:30 pm."
    )
    with pytest.raises(ParseError) as caught:
        parse_time_of_day("whenever")
    assert str(caught.value) == (
        "I couldn't read “whenever” as a time. Please send a time like 08:00 or 8:30 pm."
    )
    with pytest.raises(ParseError) as caught:
        parse_times_of_day("1, 2, 3, 4, 5", lang="es")
    assert "puedo recordarle hasta 4 veces al día" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3 de diciembre", date(2026, 12, 3)),
        ("3 de Diciembre", date(2026, 12, 3)),
        ("el 3 de diciembre", date(2026, 12, 3)),
        ("3 dic", date(2026, 12, 3)),
        ("3 dic.", date(2026, 12, 3)),
        ("3 de dic", date(2026, 12, 3)),
        ("diciembre 3", date(2026, 12, 3)),
        ("3 de diciembre de 2026", date(2026, 12, 3)),
        ("1ro de enero", date(2027, 1, 1)),
        ("15 ene", date(2027, 1, 15)),
        ("2 de abril", date(2027, 4, 2)),
        ("10 ago", date(2027, 8, 10)),
        ("5 de setiembre", date(2027, 9, 5)),
        ("hoy", TODAY),
        ("mañana", date(2026, 11, 26)),
        ("manana", date(2026, 11, 26)),
        ("pasado mañana", date(2026, 11, 27)),
        ("viernes", date(2026, 11, 27)),
        ("el viernes", date(2026, 11, 27)),
        ("este viernes", date(2026, 11, 27)),
        ("miércoles", TODAY),
        ("miercoles", TODAY),
        ("sábado", date(2026, 11, 28)),
        ("jue 3 dic", date(2026, 12, 3)),
        ("jueves 3 de diciembre", date(2026, 12, 3)),
        ("Mar 3", date(2027, 3, 3)),  # March: in a date "mar" is the month
        ("Dec 3", date(2026, 12, 3)),
    ],
)
def test_spanish_dates(text: str, expected: date) -> None:
    assert parse_date(text, TODAY) == expected


def test_date_errors_in_spanish() -> None:
    with pytest.raises(ParseError) as caught:
        parse_date("el próximo viernes", TODAY, lang="es")
    assert "viernes" in str(caught.value) and "dos días distintos" in str(caught.value)
    with pytest.raises(ParseError) as caught:
        parse_date("mié 3 dic", TODAY, lang="es")
    assert str(caught.value) == (
        "El 3 dic 2026 es jueves. Envíe solo la fecha, por ejemplo 3 dic o 2026-12-03."
    )
    with pytest.raises(ParseError) as caught:
        parse_date("30 de febrero de 2027", TODAY, lang="es")
    assert "El 30 feb no existe en el calendario" in str(caught.value)
    # English keeps its wording.
    with pytest.raises(ParseError) as caught:
        parse_date("Wed 3 Dec", TODAY)
    assert str(caught.value).startswith("3 Dec 2026 is a Thursday.")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("100/100/150 mg lun/mié/vie", {1: 100, 3: 100, 5: 150}),
        ("100/100/150 mg lun/mie/vie", {1: 100, 3: 100, 5: 150}),
        ("lunes 100, miércoles 100, viernes 150", {1: 100, 3: 100, 5: 150}),
        ("lun/mar/jue 50", {1: 50, 2: 50, 4: 50}),
        ("50 mg de lunes a viernes", {d: 50 for d in range(1, 6)}),
        ("50 mg lun-vie", {d: 50 for d in range(1, 6)}),
        ("50 mg todos los días", {d: 50 for d in range(1, 8)}),
        ("50 miligramos diarios", {d: 50 for d in range(1, 8)}),
        ("100 mg sábado y domingo", {6: 100, 7: 100}),
        ("100 mg fin de semana", {6: 100, 7: 100}),
        ("100/100/150 mg Mon/Wed/Fri", {1: 100, 3: 100, 5: 150}),
        ("100 mg Mon y miércoles", {1: 100, 3: 100}),
    ],
)
def test_spanish_weekly_plans(text: str, expected: dict[int, int]) -> None:
    assert dict(parse_weekly_regimen(text).doses) == expected


def test_plan_errors_in_spanish() -> None:
    with pytest.raises(ParseError) as caught:
        parse_weekly_regimen("100 mg lunez", lang="es")
    assert str(caught.value) == (
        "No pude entender “lunez” como un día de la semana. "
        "Envíe su plan así: 100/100/150 mg lun/mié/vie."
    )
    with pytest.raises(ParseError) as caught:
        parse_weekly_regimen("lun/mié 100/100/150", lang="es")
    assert "Conté 2 días pero 3 dosis." in str(caught.value)
    with pytest.raises(ParseError) as caught:
        parse_weekly_regimen("lunes 100, lun 50", lang="es")
    assert "El lunes aparece dos veces." in str(caught.value)
