"""The visible part of an answer while the model is still writing it.

The model writes one JSON object, `{"answer": "…", "sources": […], "tool": …}`
(plain prose from a model ignoring the format is taken whole, as
`prompting.parse` does). `AnswerStream.feed()` gets the provider's raw deltas
and returns the new text of the `answer` string decoded so far (JSON escapes,
surrogate pairs and a half-received escape handled).

The leak guard (`prompting.leaks`) must see a run of the instructions before
any of it is shown, so the stream stays `HOLD` characters behind the decoded
answer, and the answer decoded so far is checked before each piece goes out:
once it leaks, nothing more is shown. `finish(final)` returns the last event:
`("delta", rest)` when what was shown is the start of the final reply — the
usual case, so the deltas joined are the reply — or `("replace", final)` when
the final reply differs (the guard's refusal, a truncated or non-JSON answer).
"""

from __future__ import annotations

import re

from agents import prompting
from agents.models import Agent

HOLD = 2 * prompting.LEAK_WINDOW
_ANSWER_KEY = re.compile(r'"answer"\s*:\s*"')
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "/": "/", "\\": "\\", '"': '"'}


def _hex(value: str) -> int | None:
    try:
        return int(value, 16) if len(value) == 4 else None
    except ValueError:
        return None


def decode_partial(raw: str) -> str:
    """A JSON string's content up to its closing quote or the last complete
    character (an escape cut in half waits for the next delta)."""
    out: list[str] = []
    i, n = 0, len(raw)
    while i < n:
        char = raw[i]
        if char == '"':
            break
        if char != "\\":
            out.append(char)
            i += 1
            continue
        if i + 1 >= n:
            break
        kind = raw[i + 1]
        if kind != "u":
            out.append(_ESCAPES.get(kind, kind))
            i += 2
            continue
        code = _hex(raw[i + 2 : i + 6])
        if code is None:
            break
        if 0xD800 <= code < 0xDC00:  # a high surrogate: wait for its pair
            if i + 12 > n:
                break
            low = _hex(raw[i + 8 : i + 12]) if raw[i + 6 : i + 8] == "\\u" else None
            if low is not None and 0xDC00 <= low < 0xE000:
                out.append(chr(0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)))
                i += 12
                continue
            out.append("\ufffd")
            i += 6
            continue
        out.append(chr(code))
        i += 6
    return "".join(out)


def visible_answer(raw: str) -> str:
    stripped = raw.lstrip()
    if not stripped:
        return ""
    if not stripped.startswith(("{", "`")):
        return stripped  # prose: the whole text is the answer
    match = _ANSWER_KEY.search(raw)
    return decode_partial(raw[match.end() :]).lstrip() if match else ""


class AnswerStream:
    def __init__(self, *, agent: Agent):
        self.agent = agent
        self.raw = ""
        self.sent = ""
        self.stopped = False

    def feed(self, delta: str) -> str:
        """The new text to show after this raw delta ("" for none yet)."""
        self.raw += delta
        if self.stopped:
            return ""
        answer = visible_answer(self.raw)
        safe = answer[: max(0, len(answer) - HOLD)]
        if len(safe) <= len(self.sent):
            return ""
        if prompting.leaks(answer, agent=self.agent):
            self.stopped = True
            return ""
        piece, self.sent = safe[len(self.sent) :], safe
        return piece

    def finish(self, final: str) -> tuple[str, str]:
        if final.startswith(self.sent):
            return "delta", final[len(self.sent) :]
        return "replace", final
