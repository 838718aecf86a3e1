"""How much rendering a text from the message catalog adds (issue 15: under 50 µs).

Times ``t``/``nt`` against the same text formatted directly (what the code did before the
catalog), for a plain text, one with placeholders, and a plural, in English and Spanish.

    python bench/bench_catalog.py [--repeat N]
"""

from __future__ import annotations

import argparse
import platform
import timeit

from bot.domain import texts
from bot.i18n import catalog, nt, t


def _per_call(fn: object, number: int) -> float:
    return min(timeit.repeat(fn, number=number, repeat=5)) / number * 1e6  # type: ignore[arg-type]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=100_000)
    n = parser.parse_args().repeat
    catalog("es")  # loading is once per process, at start-up
    welcome = "Hi! I'm the recovery companion from {clinic}."
    rows = []
    for lang in ("en", "es"):
        cases = {
            "plain": lambda lang=lang: t(lang, texts.CONSENT_THANKS),
            "placeholders": lambda lang=lang: texts.welcome("Clínica del Sol", lang=lang),
            "plural": lambda lang=lang: nt(lang, "{n} dose", "{n} doses", 3),
        }
        for name, fn in cases.items():
            rows.append((lang, name, _per_call(fn, n)))
    baseline = _per_call(lambda: welcome.format(clinic="Clínica del Sol"), n)
    print(f"Python {platform.python_version()}, {n} calls, best of 5")
    print("| language | text | µs per render |\n|---|---|---|")
    for lang, name, micros in rows:
        print(f"| {lang} | {name} | {micros:.2f} |")
    print(f"| – | str.format alone (before the catalog) | {baseline:.2f} |")


if __name__ == "__main__":
    main()
