"""Keep every line that was not rewritten byte for byte, whatever its line ending.

libcst only parses sources with one newline convention, and even then does
not reproduce every byte (a form feed at the start of a line is dropped), so
the rewrite never produces the output directly:

1. :func:`normalize` turns every Python line ending (``\\r\\n``, ``\\r``,
   ``\\n``; never ``str.splitlines``' form feeds or ``\\x1c``) into ``\\n`` --
   the line count, hence every reported line number, is unchanged;
2. libcst parses that text; its ``code`` without any rewrite (the *round trip*)
   and with the rewrite (the *new* code) are compared line by line;
3. :func:`splice` copies every original line, with its own ending, except the
   lines where the new code differs from the round trip -- exactly the
   rewritten statements -- which take the new text and the original endings.
"""
from __future__ import annotations

import difflib
import re
from typing import List, Optional, Tuple

#: Python's line endings (its tokenizer's universal newlines).
NEWLINE = re.compile(r"\r\n|\r|\n")


def split_lines(text: str, newline: "re.Pattern[str]" = NEWLINE) -> List[Tuple[str, str]]:
    """``text`` as ``(content, ending)`` pairs; only the last ending may be ``""``.

    Parameters
    ----------
    text : str
    newline : re.Pattern, default=NEWLINE

    Returns
    -------
    list of (str, str)
        Joining every content and ending gives ``text`` back.
    """
    lines: List[Tuple[str, str]] = []
    start = 0
    for match in newline.finditer(text):
        lines.append((text[start:match.start()], match.group()))
        start = match.end()
    if start < len(text):
        lines.append((text[start:], ""))
    return lines


def normalize(text: str) -> str:
    """``text`` with every line ending replaced by ``\\n`` (same number of lines)."""
    return NEWLINE.sub("\n", text)


def _keys(lines: List[Tuple[str, str]]) -> List[Tuple[str, bool]]:
    return [(content, bool(end)) for content, end in lines]


def _contents(lines: List[Tuple[str, str]]) -> List[str]:
    return [content for content, _ in lines]


def line_map(original: str, round_trip: str) -> List[Optional[int]]:
    """For each line of ``round_trip``, the 0-based line of ``original`` it reproduces.

    libcst drops a line holding only a backslash continuation and a form feed
    at the start of a line or at the end of the file; lines it altered in
    place still map one to one.  ``None``: no line matches.
    """
    return _map_lines(_contents(split_lines(original)),
                      _contents(split_lines(round_trip, re.compile("\n"))))


def _map_lines(old: List[str], trip: List[str]) -> List[Optional[int]]:
    mapping: List[Optional[int]] = [None] * len(trip)
    matcher = difflib.SequenceMatcher(None, old, trip, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal" or (tag == "replace" and i2 - i1 == j2 - j1):
            for k in range(j2 - j1):
                mapping[j1 + k] = i1 + k
    return mapping


def _original_range(mapping: List[Optional[int]], i1: int, i2: int) -> Tuple[int, int]:
    """The original lines that round-trip lines ``i1:i2`` reproduce (``ValueError``: none)."""
    if i2 > i1:
        lines = mapping[i1:i2]
        first = lines[0]
        if first is None or any(line != first + k for k, line in enumerate(lines)):
            raise ValueError("the parser does not reproduce the rewritten lines")
        return first, first + len(lines)
    before = mapping[i1 - 1] if i1 > 0 else -1
    if before is None:
        raise ValueError("the parser does not reproduce the lines around a rewrite")
    return before + 1, before + 1


def _endings(old: List[Tuple[str, str]], new: List[Tuple[str, bool]], default: str) -> List[str]:
    """Line endings for the ``new`` lines that replace the ``old`` lines.

    The original endings, in order; the last new line takes the last original
    ending (so the text after the region is joined as before); extra lines
    take the region's newline.
    """
    newline = next((end for _, end in old if end), default)
    if not old:
        return [newline if has_end else "" for _, has_end in new]
    endings = [end for _, end in old[:-1]][:len(new) - 1]
    endings += [newline] * (len(new) - 1 - len(endings))
    return endings + [old[-1][1]] if new else []


def splice(original: str, round_trip: str, new: str,
           mapping: Optional[List[Optional[int]]] = None) -> str:
    """The original text with only the lines where ``new`` differs from ``round_trip`` replaced.

    Parameters
    ----------
    original : str
        The source as read (any line endings).
    round_trip : str
        The normalized source as the rewriter reproduces it without any change.
    new : str
        The normalized source after the rewrite.
    mapping : list, optional
        :func:`line_map` of ``original`` and ``round_trip`` (computed if not given).

    Returns
    -------
    str
        ``original`` itself when ``new == round_trip``.

    Raises
    ------
    ValueError
        The rewritten lines of ``round_trip`` cannot be matched to lines of
        ``original`` (so the output could not be guaranteed).
    """
    if new == round_trip:
        return original
    lf = re.compile("\n")
    old_lines = split_lines(original)
    trip, fresh = _keys(split_lines(round_trip, lf)), _keys(split_lines(new, lf))
    if mapping is None:
        mapping = line_map(original, round_trip)
    default = next((end for _, end in old_lines if end), "\n")
    out: List[str] = []
    done = 0
    matcher = difflib.SequenceMatcher(None, trip, fresh, autojunk=False)
    regions = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "replace" and i2 - i1 == j2 - j1:  # line by line
            regions += [(i1 + k, i1 + k + 1, j1 + k, j1 + k + 1) for k in range(i2 - i1)]
        elif tag != "equal":
            regions.append((i1, i2, j1, j2))
    for i1, i2, j1, j2 in regions:
        start, stop = _original_range(mapping, i1, i2)
        if start < done:
            raise ValueError("the parser does not reproduce the rewritten lines in order")
        out += [content + end for content, end in old_lines[done:start]]
        out += [content + end for content, end in zip(
            [content for content, _ in fresh[j1:j2]],
            _endings(old_lines[start:stop], fresh[j1:j2], default))]
        done = stop
    out += [content + end for content, end in old_lines[done:]]
    return "".join(out)
