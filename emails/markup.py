"""The campaign editor's text form of a block list, so the blocks can be
written in one text area without JavaScript:

    # Heading            → heading (## for a smaller one)
    [Label](https://…)   → button
    ![Alt](https://…)    → image
    ---                  → divider
    any other paragraph  → text (paragraphs are separated by a blank line)
"""

from __future__ import annotations

import re

_BUTTON = re.compile(r"^\[([^\]]{1,80})\]\((\S+)\)$")
_IMAGE = re.compile(r"^!\[([^\]]{0,200})\]\((\S+)\)$")


def blocks_to_markup(blocks: list[dict]) -> str:
    parts = []
    for block in blocks or []:
        kind = block.get("type")
        if kind == "heading":
            parts.append(("## " if block.get("level") == 2 else "# ") + block.get("text", ""))
        elif kind == "button":
            parts.append(f"[{block.get('text', '')}]({block.get('url', '')})")
        elif kind == "image":
            parts.append(f"![{block.get('alt', '')}]({block.get('url', '')})")
        elif kind == "divider":
            parts.append("---")
        else:
            parts.append(block.get("text", ""))
    return "\n\n".join(parts)


def markup_to_blocks(text: str) -> list[dict]:
    blocks: list[dict] = []
    paragraph: list[str] = []

    def flush():
        if paragraph:
            blocks.append({"type": "text", "text": "\n".join(paragraph).strip()})
            paragraph.clear()

    for raw in str(text or "").replace("\r\n", "\n").split("\n"):
        line = raw.strip()
        if not line:
            flush()
            continue
        heading = re.match(r"^(#{1,2})\s+(.+)$", line)
        button, image = _BUTTON.match(line), _IMAGE.match(line)
        if heading:
            flush()
            blocks.append({"type": "heading", "text": heading.group(2), "level": len(heading.group(1))})
        elif image:
            flush()
            blocks.append({"type": "image", "url": image.group(2), "alt": image.group(1)})
        elif button:
            flush()
            blocks.append({"type": "button", "text": button.group(1), "url": button.group(2)})
        elif line == "---":
            flush()
            blocks.append({"type": "divider"})
        else:
            paragraph.append(raw.rstrip())
    flush()
    return blocks
