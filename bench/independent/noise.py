"""The independent generator's noise: how people mistype names and RFCs.

Its own model, not bench/labelled.py's: typos come from a Spanish keyboard (a neighbouring key,
two letters swapped, a letter dropped or doubled, an accent lost), abbreviations from what
buyers type, RFC mistakes are two characters changed (keyboard neighbours and look-alike
characters) or a different valid RFC altogether.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Sequence
from typing import TypeVar

from bench.independent.vocabulary import ABBREVIATIONS

_T = TypeVar("_T")

KEYBOARD_ROWS = ("QWERTYUIOP", "ASDFGHJKLÑ", "ZXCVBNM")
_ROW_OF = {ch: (r, c) for r, row in enumerate(KEYBOARD_ROWS) for c, ch in enumerate(row)}
# Characters read or typed for one another in identifiers.
LOOK_ALIKE = {"0": "O", "O": "0", "1": "I", "I": "1", "5": "S", "S": "5", "8": "B", "B": "8",
              "2": "Z", "Z": "2", "6": "G", "G": "6"}  # fmt: skip
_ACCENTED = str.maketrans("ÁÉÍÓÚÜ", "AEIOUU")
_NOT_WORD = re.compile(r"[^A-Z0-9Ñ]+")

# (kind, weight) of one typo.
TYPO_KINDS = (("neighbour", 30), ("transpose", 20), ("drop", 25), ("double", 15), ("accent", 10))


def pick(rng: random.Random, items: Sequence[_T]) -> _T:
    return items[rng.randrange(len(items))]


def weighted(rng: random.Random, pairs: Sequence[tuple[_T, int]]) -> _T:
    total = sum(w for _, w in pairs)
    roll = rng.randrange(total)
    for item, weight in pairs:
        roll -= weight
        if roll < 0:
            return item
    raise AssertionError("unreachable")


def fold(text: str) -> str:
    """Upper case, accents and punctuation gone, single spaces: how names are compared here."""
    decomposed = unicodedata.normalize("NFKD", text.upper().replace("Ñ", "\0"))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).replace("\0", "Ñ")
    return _NOT_WORD.sub(" ", plain).strip()


def strip_accents(text: str) -> str:
    return text.translate(_ACCENTED)


def neighbours(ch: str) -> str:
    """Keys beside `ch` on a Spanish keyboard (same row, and the rows above and below)."""
    base = strip_accents(ch)
    if base not in _ROW_OF:
        return ""
    r, c = _ROW_OF[base]
    out = []
    for dr in (-1, 0, 1):
        if not 0 <= r + dr < len(KEYBOARD_ROWS):
            continue
        row = KEYBOARD_ROWS[r + dr]
        for dc in (-1, 1) if dr == 0 else (0, 1):
            if 0 <= c + dc < len(row):
                out.append(row[c + dc])
    return "".join(out)


def typo(word: str, rng: random.Random) -> tuple[str, str]:
    """One typing mistake inside `word`: (the new word, its kind). Never returns `word`."""
    letters = [i for i, ch in enumerate(word) if ch.isalpha()]
    if len(letters) < 2:
        return word + word[-1:], "double"
    for _ in range(20):
        kind = weighted(rng, TYPO_KINDS)
        if kind == "accent":
            accented = [i for i in letters if word[i] != strip_accents(word[i])]
            if not accented:
                continue
            i = pick(rng, accented)
            out = word[:i] + strip_accents(word[i]) + word[i + 1 :]
        elif kind == "neighbour":
            i = pick(rng, letters)
            near = neighbours(word[i])
            if not near:
                continue
            out = word[:i] + pick(rng, near) + word[i + 1 :]
        elif kind == "transpose":
            pairs = [i for i in letters if i + 1 < len(word) and word[i + 1].isalpha()]
            pairs = [i for i in pairs if word[i] != word[i + 1]]
            if not pairs:
                continue
            i = pick(rng, pairs)
            out = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        elif kind == "drop":
            if len(letters) < 3:
                continue
            i = pick(rng, letters)
            out = word[:i] + word[i + 1 :]
        else:  # double
            i = pick(rng, letters)
            out = word[:i] + word[i] + word[i:]
        if out != word:
            return out, kind
    return word + word[-1], "double"


def abbreviate(words: list[str], rng: random.Random, most: int = 2) -> tuple[list[str], int]:
    """Replace up to `most` abbreviable words by what buyers type; returns the words and how
    many were replaced."""
    candidates = [i for i, w in enumerate(words) if w in ABBREVIATIONS]
    rng.shuffle(candidates)
    out = list(words)
    chosen = candidates[: 1 + rng.randrange(most)] if candidates else []
    for i in chosen:
        out[i] = pick(rng, ABBREVIATIONS[words[i]])
    return out, len(chosen)


def rfc_two_typos(rfc: str, rng: random.Random, taken: set[str]) -> str:
    """The RFC with exactly two characters changed, as a person copying it by hand would:
    a neighbouring key or a look-alike character, anywhere (letters, date or homoclave). The
    result is never a taken RFC."""
    for _ in range(50):
        first, second = rng.sample(range(len(rfc)), 2)
        out = list(rfc)
        for i in (first, second):
            ch = rfc[i]
            options = (LOOK_ALIKE.get(ch, "") + neighbours(ch)) if ch.isalpha() else ""
            if ch.isdigit():
                options = LOOK_ALIKE.get(ch, "") + "".join(
                    d for d in "0123456789" if abs(int(d) - int(ch)) == 1
                )
            options = options.replace(ch, "")
            if not options:
                break
            out[i] = pick(rng, options)
        else:
            candidate = "".join(out)
            if candidate not in taken:
                return candidate
    # Fall back on the last two homoclave characters, shifted by one letter each.
    shift = str.maketrans(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", "BCDEFGHIJKLMNOPQRSTUVWXYZA1234567890"
    )
    return rfc[:-3] + rfc[-3:-1].translate(shift) + rfc[-1]
