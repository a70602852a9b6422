"""Small helpers for pandoc's JSON AST (`pandoc -t json`): walking, replacing, building text."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

Element = dict[str, Any]


def nodes(node: Any) -> Iterator[Element]:
    """Every AST element under `node`, in document (pre-)order."""
    if isinstance(node, dict):
        if "t" in node:
            yield node
        for value in node.values():
            yield from nodes(value)
    elif isinstance(node, list):
        for item in node:
            yield from nodes(item)


def replace(node: Any, tag: str, fn: Callable[[Element], list[Element]]) -> Any:
    """A copy of `node` with each element of type `tag` replaced by the list `fn` returns.

    Children are replaced first, so `fn` sees an element whose contents are already done.
    """
    if isinstance(node, list):
        out: list[Any] = []
        for item in node:
            item = replace(item, tag, fn)
            out.extend(fn(item) if isinstance(item, dict) and item.get("t") == tag else [item])
        return out
    if isinstance(node, dict):
        return {key: replace(value, tag, fn) for key, value in node.items()}
    return node


def words(text: str) -> list[Element]:
    """Inline Str/Space elements spelling `text`."""
    out: list[Element] = []
    for i, word in enumerate(text.split()):
        out.extend([{"t": "Space"}, {"t": "Str", "c": word}] if i else [{"t": "Str", "c": word}])
    return out
