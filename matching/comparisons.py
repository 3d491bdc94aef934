"""The model's comparisons, each level written once as SQL (for Splink's batch linking) and once
as Python (for real-time scoring), side by side so that they cannot drift apart. A test runs
both over sampled pairs and asserts identical levels.

Levels are listed from the strongest to the weakest; the first that holds wins, as in Splink.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler

Row = Mapping[str, Any]
Test = Callable[[Row, Row], bool]


@dataclass(frozen=True, slots=True)
class Level:
    label: str
    sql: str
    test: Test
    is_null: bool = False
    tf_column: str | None = None  # term-frequency adjusted on this column


@dataclass(frozen=True, slots=True)
class Comparison:
    name: str  # output column name, also the key of the evidence
    description: str
    levels: tuple[Level, ...]  # the last one is the else level

    def level_of(self, left: Row, right: Row) -> int:
        """Splink's comparison vector value: -1 for null, else counting down to 0 (else)."""
        for index, level in enumerate(self.levels):
            if level.test(left, right):
                return -1 if level.is_null else len(self.levels) - 1 - index
        return 0

    def splink_dict(self) -> dict[str, Any]:
        levels = []
        for level in self.levels:
            entry: dict[str, Any] = {"sql_condition": level.sql, "label_for_charts": level.label}
            if level.is_null:
                entry["is_null_level"] = True
            if level.tf_column:
                entry["tf_adjustment_column"] = level.tf_column
                entry["tf_adjustment_weight"] = 1.0
            levels.append(entry)
        return {
            "output_column_name": self.name,
            "comparison_description": self.description,
            "comparison_levels": levels,
        }


def _null(column: str) -> Level:
    return Level(
        "null",
        f'"{column}_l" IS NULL OR "{column}_r" IS NULL',
        lambda left, right: left[column] is None or right[column] is None,
        is_null=True,
    )


def _exact(column: str, label: str = "exact", tf: str | None = None) -> Level:
    return Level(
        label,
        f'"{column}_l" = "{column}_r"',
        lambda left, right: left[column] is not None and left[column] == right[column],
        tf_column=tf,
    )


def _else() -> Level:
    return Level("else", "ELSE", lambda left, right: True)


def _jw(column: str, threshold: float, tf: str | None = None) -> Level:
    def test(left: Row, right: Row) -> bool:
        a, b = left[column], right[column]
        return a is not None and b is not None and JaroWinkler.similarity(a, b) >= threshold

    return Level(
        f"jaro-winkler >= {threshold}",
        f'jaro_winkler_similarity("{column}_l", "{column}_r") >= {threshold}',
        test,
        tf_column=tf,
    )


def _rfc_near(left: Row, right: Row) -> bool:
    lc, rc = left["rfc_conf"], right["rfc_conf"]
    if lc is not None and lc == rc:
        return True
    lr, rr = left["rfc"], right["rfc"]
    return lr is not None and rr is not None and DamerauLevenshtein.distance(lr, rr) <= 1


def _rfc_two_edits(left: Row, right: Row) -> bool:
    lr, rr = left["rfc"], right["rfc"]
    return (
        lr is not None
        and rr is not None
        and len(lr) == len(rr)
        and DamerauLevenshtein.distance(lr, rr, score_cutoff=2) == 2
        and (left["rfc_mistyped"] == "1" or right["rfc_mistyped"] == "1")
    )


def _rfc_misfit(left: Row, right: Row) -> bool:
    """One RFC cannot come from its record's name, and the two RFCs' letters differ: had they
    the same letters, both would be read off one name, so neither was copied from another firm."""
    misfit = left["rfc_misfit"] == "1" or right["rfc_misfit"] == "1"
    return misfit and str(left["rfc_stem"])[:3] != str(right["rfc_stem"])[:3]


def _prefix(left: Row, right: Row) -> bool:
    a, b = left["name"], right["name"]
    if a is None or b is None:
        return False
    return (left["name_cut"] is not None and len(a) >= 12 and b.startswith(a)) or (
        right["name_cut"] is not None and len(b) >= 12 and a.startswith(b)
    )


def _edits(limit: int, min_length: int) -> Test:
    def test(left: Row, right: Row) -> bool:
        a, b = left["name"], right["name"]
        return (
            a is not None
            and b is not None
            and len(a) >= min_length
            and len(b) >= min_length
            and abs(len(a) - len(b)) <= limit
            and DamerauLevenshtein.distance(a, b) <= limit
        )

    return test


def _family(left: Row, right: Row) -> bool:
    a, b = left["legal_form"], right["legal_form"]
    return a is not None and b is not None and a.split(" ")[0] == b.split(" ")[0]


def _typos(limit: int, min_length: int) -> Level:
    # The length test is implied by the distance (each edit changes the length by one at most)
    # and changes no level; it is there for speed. The engine evaluates a conjunction's second
    # term only on the rows that pass its first, and Damerau-Levenshtein over two whole names
    # is most of the scoring query's cost: at 300k records, that query's 15 s became 5 s with it.
    return Level(
        f"{limit} typo{'s' if limit > 1 else ''} apart",
        f'length("name_l") >= {min_length} AND length("name_r") >= {min_length} AND '
        f'abs(length("name_l") - length("name_r")) <= {limit} AND '
        f'damerau_levenshtein("name_l", "name_r") <= {limit}',
        _edits(limit, min_length),
        tf_column="name",
    )


# Two different RFCs, one of which cannot be its own record's (matching.rfc_letters).
RFC_MISFIT = "different, one not from its name"
# Two RFCs two edits apart, one failing its check digit: one RFC mistyped twice (a date digit
# and the homoclave), as the clustering's cannot-link rule reads it (cluster.near_rfcs).
RFC_TWO_EDITS = "two edits, one failing its check digit"

# Names that differ only in how their common words are written (matching.names.gist).
NAME_GIST = "same once the common words and their abbreviations are read by their first letters"

RFC = Comparison(
    "rfc",
    "RFC: exact; one typo or O/0, I/1 swap; two typos where one RFC fails its check digit; "
    "same letters and date with another homoclave; "
    "different where one cannot come from its name (weak evidence against); both present but "
    "different (strong evidence against)",
    (
        _null("rfc_stem"),
        _exact("rfc"),
        Level(
            "one edit or O/0 I/1 confusion",
            '"rfc_conf_l" = "rfc_conf_r" OR damerau_levenshtein("rfc_l", "rfc_r") <= 1',
            _rfc_near,
        ),
        Level(
            RFC_TWO_EDITS,
            'length("rfc_l") = length("rfc_r") AND damerau_levenshtein("rfc_l", "rfc_r") = 2 '
            "AND (\"rfc_mistyped_l\" = '1' OR \"rfc_mistyped_r\" = '1')",
            _rfc_two_edits,
        ),
        Level(
            "same letters and date, one side without homoclave",
            '"rfc_stem_l" = "rfc_stem_r" AND ("rfc_l" IS NULL OR "rfc_r" IS NULL)',
            lambda left, right: (
                left["rfc_stem"] == right["rfc_stem"]
                and (left["rfc"] is None or right["rfc"] is None)
            ),
        ),
        _exact("rfc_stem", "same letters and date, other homoclave"),
        Level(
            RFC_MISFIT,
            "(\"rfc_misfit_l\" = '1' OR \"rfc_misfit_r\" = '1') "
            'AND substr("rfc_stem_l", 1, 3) <> substr("rfc_stem_r", 1, 3)',
            _rfc_misfit,
        ),
        _else(),
    ),
)

NAME = Comparison(
    "name",
    "Name without legal form, accents or punctuation. The strong levels are adjusted for how many "
    "other firms carry the name (or, without generic words, its core): a distinctive name "
    "agreeing is strong evidence, a common one is not",
    (
        _null("name"),
        _exact("name", tf="name"),
        _exact("name_sorted", "same words in another order", tf="name"),
        _typos(1, 8),
        _exact("name_core", "same once generic words are dropped", tf="name_core"),
        _typos(2, 16),
        _exact("name_gist", NAME_GIST),
        Level(
            "one is a truncation of the other",
            '("name_cut_l" IS NOT NULL AND length("name_l") >= 12 '
            'AND starts_with("name_r", "name_l")) '
            'OR ("name_cut_r" IS NOT NULL AND length("name_r") >= 12 '
            'AND starts_with("name_l", "name_r"))',
            _prefix,
            tf_column="name",
        ),
        _jw("name", 0.97),
        Level(
            "similar words in another order",
            'jaro_winkler_similarity("name_sorted_l", "name_sorted_r") >= 0.92',
            lambda left, right: (
                left["name_sorted"] is not None
                and right["name_sorted"] is not None
                and JaroWinkler.similarity(left["name_sorted"], right["name_sorted"]) >= 0.92
            ),
        ),
        _jw("name", 0.92),
        _jw("name", 0.85),
        _else(),
    ),
)

LEGAL_FORM = Comparison(
    "legal_form",
    "Legal form (S.A. de C.V., S. de R.L., ...)",
    (
        _null("legal_form"),
        _exact("legal_form"),
        Level(
            "same family",
            """split_part("legal_form_l", ' ', 1) = split_part("legal_form_r", ' ', 1)""",
            _family,
        ),
        _else(),
    ),
)

KIND = Comparison(
    "kind",
    "Person or company",
    (_null("kind"), _exact("kind"), _else()),
)

POSTAL_CODE = Comparison(
    "postal_code",
    "Postal code",
    (_null("postal_code"), _exact("postal_code"), _else()),
)

COMPARISONS: tuple[Comparison, ...] = (RFC, NAME, LEGAL_FORM, KIND, POSTAL_CODE)
