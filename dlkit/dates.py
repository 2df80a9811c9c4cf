"""Dates written the way people write them, paired with their ISO form: the data of a
character-level sequence-to-sequence task ("3rd of March, 1998" -> "1998-03-03").

Every date lies between 1 January 1900 and 31 December 2099 and is drawn uniformly. Its
source is written in one of the `FORMATS`, drawn uniformly, then in one of three
casings (as written, lower case, upper case; only formats with words have a casing to
change). No format is ambiguous: numbers with dots are day.month.year when the year
comes last and year.month.day when it comes first; numbers with slashes are
month/day/year (the US order) when the year comes last and year/month/day when it comes
first. Years are always written with four digits.

Tokens are characters. A source is a row of `SOURCE_LEN` ids into `SOURCE_VOCAB`,
padded at the end with `PAD` (id 0). A target is the 10 characters "YYYY-MM-DD" as ids
into `TARGET_VOCAB`; id `START` (0) begins every decoder input and is never a target.
"""

from __future__ import annotations

import datetime

import numpy as np

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# Placeholders: {d} day 1-31, {dd} day 01-31, {th} the day's ordinal suffix (st, nd, rd,
# th), {m} month 1-12, {mm} month 01-12, {Month} and {Mon} its name and first three
# letters, {Weekday} and {Wkd} likewise for the day of the week, {Y} the four-digit year.
FORMATS = (
    "{d} {Month} {Y}",  # 3 March 1998
    "{dd} {Mon} {Y}",  # 03 Mar 1998
    "{Month} {d}, {Y}",  # March 3, 1998
    "{Mon} {d} {Y}",  # Mar 3 1998
    "{d}{th} of {Month}, {Y}",  # 3rd of March, 1998
    "{Weekday}, {Month} {d}, {Y}",  # Tuesday, March 3, 1998
    "{Wkd} {Mon} {d} {Y}",  # Tue Mar 3 1998
    "{Wkd}, {d} {Mon} {Y}",  # Tue, 3 Mar 1998
    "{dd}.{mm}.{Y}",  # 03.03.1998 (day first)
    "{Y}.{mm}.{dd}",  # 1998.03.03
    "{m}/{d}/{Y}",  # 3/3/1998 (month first)
    "{Y}/{m}/{d}",  # 1998/3/3
)

FIRST_DAY = datetime.date(1900, 1, 1)
LAST_DAY = datetime.date(2099, 12, 31)

PAD = 0
START = 0
SOURCE_LEN = 30  # the longest source, "Wednesday, September 30, 1998", has 29 characters
TARGET_LEN = 10
SOURCE_VOCAB = ("<pad>", *" ,./", *"0123456789", *"abcdefghijklmnopqrstuvwxyz")
SOURCE_VOCAB += tuple("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
TARGET_VOCAB = ("<start>", *"0123456789-")
_SOURCE_IDS = {c: i for i, c in enumerate(SOURCE_VOCAB)}
_TARGET_IDS = {c: i for i, c in enumerate(TARGET_VOCAB)}


def ordinal_suffix(day: int) -> str:
    """The ordinal suffix of a day: "st", "nd", "rd" or "th" (1st, 2nd, 3rd, 4th, 11th, 21st)."""
    if 10 <= day % 100 <= 20:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")


def written(date: datetime.date, form: str) -> str:
    """``date`` written in ``form``, one of `FORMATS`, in its own casing."""
    month, weekday = MONTHS[date.month - 1], WEEKDAYS[date.weekday()]
    return form.format(
        d=date.day,
        dd=f"{date.day:02d}",
        th=ordinal_suffix(date.day),
        m=date.month,
        mm=f"{date.month:02d}",
        Month=month,
        Mon=month[:3],
        Weekday=weekday,
        Wkd=weekday[:3],
        Y=f"{date.year:04d}",
    )


def random_dates(n: int, rng: np.random.Generator) -> tuple[list[str], list[str]]:
    """``n`` random dates: the sources, as people write them, and the targets
    "YYYY-MM-DD". The date, its format and its casing are drawn from ``rng`` (uniformly,
    independently), so the same generator state gives the same pairs."""
    first, last = FIRST_DAY.toordinal(), LAST_DAY.toordinal()
    days = rng.integers(first, last + 1, size=n)
    forms = rng.integers(len(FORMATS), size=n)
    cases = rng.integers(3, size=n)
    sources, targets = [], []
    for day, form, case in zip(days.tolist(), forms.tolist(), cases.tolist(), strict=True):
        date = datetime.date.fromordinal(day)
        text = written(date, FORMATS[form])
        sources.append(text.lower() if case == 1 else text.upper() if case == 2 else text)
        targets.append(date.isoformat())
    return sources, targets


def encode_sources(sources: list[str]) -> np.ndarray:
    """Sources as ids into `SOURCE_VOCAB`, (N, SOURCE_LEN) int64, padded at the end with
    `PAD`. A character outside the vocabulary, or a source longer than `SOURCE_LEN`, is a
    ValueError."""
    ids = np.full((len(sources), SOURCE_LEN), PAD, dtype=np.int64)
    for row, text in enumerate(sources):
        if len(text) > SOURCE_LEN:
            raise ValueError(f"{text!r} is longer than {SOURCE_LEN} characters")
        try:
            ids[row, : len(text)] = [_SOURCE_IDS[c] for c in text]
        except KeyError as missing:
            raise ValueError(f"{text!r}: {missing} is not in SOURCE_VOCAB") from None
    return ids


def encode_targets(targets: list[str]) -> np.ndarray:
    """Targets "YYYY-MM-DD" as ids into `TARGET_VOCAB`, (N, TARGET_LEN) int64."""
    ids = np.empty((len(targets), TARGET_LEN), dtype=np.int64)
    for row, text in enumerate(targets):
        if len(text) != TARGET_LEN:
            raise ValueError(f"{text!r} is not a date YYYY-MM-DD")
        ids[row] = [_TARGET_IDS[c] for c in text]
    return ids


def decode_sources(ids: np.ndarray) -> list[str]:
    """The strings of rows of source ids (N, S), padding dropped."""
    return ["".join(SOURCE_VOCAB[i] for i in row if i != PAD) for row in np.asarray(ids)]


def decode_targets(ids: np.ndarray) -> list[str]:
    """The strings of rows of target ids (N, T); the start token shows as "^"."""
    return ["".join(TARGET_VOCAB[i] if i else "^" for i in row) for row in np.asarray(ids)]


def date_pairs(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """`random_dates` encoded: sources (n, SOURCE_LEN) and targets (n, TARGET_LEN) int64."""
    sources, targets = random_dates(n, rng)
    return encode_sources(sources), encode_targets(targets)
