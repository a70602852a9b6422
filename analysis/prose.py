"""Sentences a person would write about a set of results, composed from their verdicts.

analysis.numbers turns each result into words ("fell", "significant"); this module writes the
sentences that summarise several results at once, so the report aggregates ("All three
differences were significant", "Both groups fell; only the QCT group's fall was significant")
instead of stringing verdict words together ("significant, significant and significant").
Every function takes words already derived from the data and returns plain text without a
final full stop, so the manuscript decides the punctuation around it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

SIGNIFICANT = "significant"
NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
# The predicate of a within-group change, keyed by analysis.numbers.change's phrase kind.
CHANGE_PREDICATES = {
    ("fall", True): "fell significantly",
    ("rise", True): "rose significantly",
    ("fall", False): "fell, though not significantly",
    ("rise", False): "rose, though not significantly",
    ("no significant change", False): "did not change significantly",
    ("no change", False): "did not change",
}
PAST = {"fall": "fell", "rise": "rose"}


def number_word(n: int) -> str:
    """'no', 'one', ... 'ten' for small counts, digits beyond (house style for running text)."""
    return NUMBER_WORDS[n] if 0 <= n < len(NUMBER_WORDS) else f"{n:,d}"


def capitalise(text: str) -> str:
    """`text` with its first letter upper-cased (for a generated phrase opening a sentence)."""
    return text[:1].upper() + text[1:]


def join_words(items: Sequence[str], empty: str = "none", sep: str = ", ") -> str:
    """'a', 'a and b', 'a, b and c' (`sep` '; ' for items holding commas); `empty` for none."""
    if not items:
        return empty
    return items[0] if len(items) == 1 else f"{sep.join(items[:-1])} and {items[-1]}"


def change_kind(noun: str, sig: str) -> tuple[str, bool]:
    """The key of CHANGE_PREDICATES for a change's direction noun and its test's verdict."""
    return noun, sig == SIGNIFICANT and noun in PAST


def change_predicate(noun: str, sig: str) -> str:
    """'fell significantly', 'rose, though not significantly', 'did not change significantly'."""
    return CHANGE_PREDICATES[change_kind(noun, sig)]


def two_group_change(changes: Mapping[str, tuple[str, str]]) -> str:
    """The predicate of one clause on the same change in two groups, e.g. `changes` =
    {"the QCT group": ("fall", "significant"), "the comparison group": ("fall", "not ...")}
    -> "fell in both groups, but only the QCT group's fall was significant"."""
    (first, (noun_a, sig_a)), (second, (noun_b, sig_b)) = changes.items()
    kind_a, kind_b = change_kind(noun_a, sig_a), change_kind(noun_b, sig_b)
    if kind_a == kind_b:
        both = {
            ("fall", True): "fell significantly in both groups",
            ("rise", True): "rose significantly in both groups",
            ("fall", False): "fell in both groups, though in neither significantly",
            ("rise", False): "rose in both groups, though in neither significantly",
            ("no significant change", False): "did not change significantly in either group",
            ("no change", False): "did not change in either group",
        }[kind_a]
        return both
    if noun_a == noun_b and noun_a in PAST:
        only = first if kind_a[1] else second
        return f"{PAST[noun_a]} in both groups, but only {only}'s {noun_a} was significant"
    return (
        f"{_in(change_predicate(noun_a, sig_a), first)} and "
        f"{_in(change_predicate(noun_b, sig_b), second)}"
    )


def closed(predicate: str) -> str:
    """A predicate ready for a following phrase: a parenthetical 'though not significantly'
    closes with a comma ('fell, though not significantly,')."""
    return f"{predicate}," if ", " in predicate else predicate


def _in(predicate: str, group: str) -> str:
    """'fell significantly in the QCT group'; 'fell, though not significantly, in ...'."""
    return f"{closed(predicate)} in {group}"


def two_periods(periods: Sequence[tuple[str, str, str]]) -> str:
    """One group's change over two periods, each (predicate, period, test): 'fell significantly
    both between intake and X (test) and between intake and Y (test)', or each with its own
    predicate when they differ."""
    (pred_a, period_a, test_a), (pred_b, period_b, test_b) = periods
    if pred_a == pred_b:
        return f"{closed(pred_a)} both {period_a} ({test_a}) and {period_b} ({test_b})"
    return f"{closed(pred_a)} {period_a} ({test_a}) and {closed(pred_b)} {period_b} ({test_b})"


def verdicts(items: Sequence[tuple[str, str]], noun: str, preposition: str) -> str:
    """One sentence on the significance of several results, e.g. items [("offending",
    "significant"), ("arrest", "significant"), ("imprisonment", "not significant")], noun
    "difference", preposition "in" -> "The differences in offending and arrest were
    significant; that in imprisonment was not"."""
    hits = [name for name, sig in items if sig == SIGNIFICANT]
    misses = [name for name, sig in items if sig != SIGNIFICANT]
    n = len(items)
    if not misses:
        lead = "Both" if n == 2 else "The" if n == 1 else f"All {number_word(n)}"
        return f"{lead} {noun}{'s' if n > 1 else ''} {'were' if n > 1 else 'was'} significant"
    if not hits:
        if n == 1:
            return f"The {noun} was not significant"
        lead = f"Neither {noun}" if n == 2 else f"None of the {number_word(n)} {noun}s"
        return f"{lead} was significant"
    plural_hits, plural_misses = len(hits) > 1, len(misses) > 1
    return (
        f"The {noun}{'s' if plural_hits else ''} {preposition} {join_words(hits)} "
        f"{'were' if plural_hits else 'was'} significant; "
        f"{'those' if plural_misses else 'that'} {preposition} {join_words(misses)} "
        f"{'were' if plural_misses else 'was'} not"
    )


def significant_at(places: Sequence[str], total: int) -> str:
    """Where a difference was significant, as a predicate: 'was not significant at any wave',
    'was significant at every wave', 'was significant only at intake'."""
    if not places:
        return "was not significant at any wave"
    if len(places) == total:
        return "was significant at every wave"
    return f"was significant only {join_words(list(places))}"


def two_measures(names: tuple[str, str], predicates: tuple[str, str]) -> str:
    """A group's change in two measures: 'its days of crime and its days of illicit drug use
    both fell significantly', 'neither ... changed significantly', or each with its own
    predicate."""
    (a, b), (pred_a, pred_b) = names, predicates
    if pred_a == pred_b:
        if pred_a.startswith("did not change"):
            return f"neither its {a} nor its {b} changed{pred_a.removeprefix('did not change')}"
        return f"its {a} and its {b} both {pred_a}"
    return f"its {a} {closed(pred_a)} and its {b} {pred_b}"
