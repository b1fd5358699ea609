"""One-click expand presets."""

from __future__ import annotations

# "Complete cut-off heads": add a quarter of the picture's height on top.
EXTEND_TOP_FRACTION = 0.25


def extend_top_margins(document_height: int, multiple: int = 8) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) margins for the extend-top preset: top = 25 % of the height,
    rounded to `multiple` (at least one multiple)."""
    top = max(multiple, round(document_height * EXTEND_TOP_FRACTION / multiple) * multiple)
    return (0, top, 0, 0)
