"""composite_over: the straight-alpha "normal" blend every host does, placed and clipped."""

import numpy as np

from underpaint.canvas import composite_over


def blend_one(below, above):
    """Porter-Duff "over" for one straight-alpha pixel, written out in floats."""
    a_top, a_bottom = above[3] / 255, below[3] / 255
    a_out = a_top + a_bottom * (1 - a_top)
    if a_out == 0:
        return list(below)
    colour = [(above[c] / 255 * a_top + below[c] / 255 * a_bottom * (1 - a_top)) / a_out * 255
              for c in range(3)]
    return [*colour, a_out * 255]


def test_matches_the_formula_pixel_by_pixel():
    rng = np.random.default_rng(0)
    document = rng.integers(0, 256, (12, 15, 4), dtype=np.uint8)
    layer = rng.integers(0, 256, (7, 9, 4), dtype=np.uint8)
    layer[0, :, 3] = 0
    layer[1, :, 3] = 255
    result = composite_over(document, layer, 4, 3)
    for y in range(12):
        for x in range(15):
            inside = 3 <= y < 10 and 4 <= x < 13
            want = blend_one(document[y, x], layer[y - 3, x - 4]) if inside else document[y, x]
            assert np.abs(result[y, x].astype(float) - np.array(want, float)).max() <= 0.5 + 1e-9
    assert np.array_equal(result[3, 4:13], document[3, 4:13]), "alpha 0 keeps the document exactly"
    assert np.array_equal(result[4, 4:13], layer[1]), "alpha 255 replaces it exactly"


def test_layer_partly_outside_the_document_is_clipped():
    document = np.zeros((10, 10, 4), np.uint8)
    layer = np.full((6, 6, 4), 255, np.uint8)
    result = composite_over(document, layer, -3, 7)
    expected = np.zeros((10, 10), bool)
    expected[7:10, 0:3] = True
    assert np.array_equal(result[..., 3] == 255, expected)
    assert np.array_equal(composite_over(document, layer, 20, 0), document)
