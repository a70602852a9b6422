"""The reference list: every cited work has an entry, and every entry says how it was checked.

An entry is either preceded by a `% verified:` comment naming the page it was checked against
(and then carries no "not verified" wording), or it says "unverified" in its note field, so an
unchecked entry can never pass for a checked one.
"""

from __future__ import annotations

import re

from tests.results_fixture import ROOT

MANUSCRIPT = ROOT / "manuscript"
BIB = MANUSCRIPT / "references.bib"
ENTRY = re.compile(r"^@(\w+)\{([^,\s]+),(.*?)^\}", re.S | re.M)
DECORATOR = re.compile(r"^\s*@\w")  # Python decorators are not citations
CITATION = re.compile(r"(?<![\w{])@([a-z][\w]*\d{4}\w*|[a-z]+_[\w]+)")


def entries() -> dict[str, tuple[str, str]]:
    """Citation key -> (comment block directly above the entry, entry body)."""
    text = BIB.read_text(encoding="utf-8")
    found = {}
    for match in ENTRY.finditer(text):
        before = text[: match.start()].rstrip("\n").split("\n")
        comments = []
        while before and before[-1].startswith("%"):
            comments.insert(0, before.pop())
        found[match.group(2)] = ("\n".join(comments), match.group(3))
    return found


def test_every_entry_is_either_verified_with_a_source_or_marked_unverified():
    for key, (comment, body) in entries().items():
        unverified = "unverified" in body
        verified = re.search(r"^% verified: \S+", comment, re.M) is not None
        assert verified != unverified, f"{key}: must be either '% verified: <source>' or unverified"
        if verified:
            assert "not verified" not in body.lower(), f"{key} is verified but says 'not verified'"


def test_every_cited_key_has_an_entry():
    keys = set(entries())
    texts = [p.read_text(encoding="utf-8") for p in sorted(MANUSCRIPT.rglob("*.qmd"))]
    texts += [p.read_text(encoding="utf-8") for p in sorted((ROOT / "analysis").rglob("*.py"))]
    lines = [line for text in texts for line in text.splitlines() if not DECORATOR.match(line)]
    cited = {
        key
        for line in lines
        for key in CITATION.findall(line)
        if not key.startswith(("tbl", "fig"))
    }
    assert cited, "no citations found: the pattern is wrong"
    assert cited <= keys, f"cited without an entry: {sorted(cited - keys)}"
