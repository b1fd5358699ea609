"""What a canvas operation gets from the host (CanvasInput) and what the daemon derives
(CanvasPlan).

Plain dataclasses and numpy: the service layer converts from/to protobuf; this package never
sees it.
All coordinates are document pixels, origin top-left; arrays are uint8, rows top-down.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

GENERATE = "generate"
REFINE = "refine"
FILL = "fill"
EXPAND = "expand"
OPERATIONS = (GENERATE, REFINE, FILL, EXPAND)


@dataclass
class CanvasInput:
    document_width: int
    document_height: int
    region: np.ndarray | None       # (h, w, 4) straight RGBA of the document at region_x/y
    region_x: int                   # pixels outside the region count as transparent
    region_y: int
    selection: np.ndarray | None    # (h, w) soft mask, 255 = selected; None = whole document
    selection_x: int
    selection_y: int
    # "generate" | "refine" | "fill" | "expand"; "" (unspecified) = generate without a
    # selection, fill with one, as the protocol says.
    operation: str
    expand: tuple[int, int, int, int] = (0, 0, 0, 0)   # left, top, right, bottom margins
    grow: int = 0                   # dilate the selection by this many pixels
    feather: int = 0                # soft edge width; 0 = default, -1 = hard edge
    context: float = 0.0            # padding around the selection as a fraction of its size;
    #                                 0 = default (0.5; 1.0 for expand)
    min_context_size: int = 0       # the work area is at least this big; 0 = model native size


@dataclass
class CanvasPlan:
    gen_width: int                  # what the model generates (multiples of `multiple`)
    gen_height: int
    init_image: np.ndarray | None   # (gen_height, gen_width, 3); None for "generate"
    mask: np.ndarray | None         # (gen_height, gen_width), 255 = regenerate; fill/expand only
    x: int                          # placement box of the result layer in the OUTPUT document
    y: int
    width: int
    height: int
    alpha: np.ndarray               # (height, width): the result layer's alpha
    document_width: int             # output document (grown for expand)
    document_height: int
    offset_x: int                   # where the old document's (0, 0) now lies (expand)
    offset_y: int
    # Private to this package (documented so tests and logs can read them):
    operation: str = GENERATE       # the resolved operation ("" resolved to generate/fill)
    work_x: int = 0                 # the work area (context box) in the output document: the
    work_y: int = 0                 # generated image covers exactly this box, scaled
    work_width: int = 0
    work_height: int = 0
    feather: int = 0                # the feather width actually used (pixels; 0 = hard edge)
