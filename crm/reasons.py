"""Reasons stored as codes, shown in the reader's language (issue 17).

A rejected import line is written once (by a worker, in whatever language is
active there) and read later by anyone, in theirs. So the normalisers and the
import build their reasons with `gettext_reason` (imported as `_`): a
`Reason` reads like the translated text it is — every caller that treats it
as a string keeps working — and also remembers its msgid and parameters.
`stored()` turns it into a small JSON code for the database; `shown()` turns
a stored code back into text in the active language (text stored before
codes existed is shown as it is).
"""

from __future__ import annotations

import json
from typing import Any

from django.utils.translation import gettext

MAX_STORED = 500  # ContactImportError.reason
_MARK = '{"m":'


class Reason(str):
    msgid: str
    params: dict[str, Any]

    def __new__(cls, msgid: str, params: dict[str, Any] | None = None) -> Reason:
        text = gettext(msgid)
        if params:
            text = text % params
        reason = super().__new__(cls, text)
        reason.msgid, reason.params = msgid, dict(params or {})
        return reason

    def __mod__(self, params: Any) -> Reason:  # `_("… %(n)d …") % {"n": 3}` stays a Reason
        return Reason(self.msgid, params) if isinstance(params, dict) else str.__mod__(self, params)

    def code(self) -> dict[str, Any]:
        params = {key: value.code() if isinstance(value, Reason) else value for key, value in self.params.items()}
        return {"m": self.msgid, "p": params} if params else {"m": self.msgid}


def gettext_reason(msgid: str) -> Reason:
    return Reason(msgid)


def stored(reason: Any) -> str:
    """What the database keeps: the code of a Reason (its text if the code
    would not fit), any other value as text."""
    if isinstance(reason, Reason):
        code = json.dumps(reason.code(), ensure_ascii=False, separators=(",", ":"))
        if len(code) <= MAX_STORED:
            return code
    return str(reason)[:MAX_STORED]


def _render(code: dict[str, Any]) -> str:
    params = {key: _render(value) if isinstance(value, dict) else value for key, value in code.get("p", {}).items()}
    text = gettext(code["m"])
    return text % params if params else text


def shown(value: str) -> str:
    """A stored reason in the active language."""
    if not value.startswith(_MARK):
        return value
    try:
        return _render(json.loads(value))
    except (ValueError, KeyError, TypeError):
        return value
