"""Interrogate: image -> prompt, by ranking term lists against the image with the CLIP model
(the CLIP Interrogator's idea, without its caption model): the best terms of each list, joined
in the order prompts are usually written. Users may add their own lists as text files (one term
a line) in the models folder's clip/terms/NAME.txt; a file named like a built-in list replaces it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import InvalidArgument
from ..v1 import archive_pb2 as apb

DEFAULT_TERMS = 2
MAX_TERMS = 10

LISTS = {
    "medium": ("a photograph", "a digital painting", "an oil painting", "a watercolor painting", "a pencil sketch",
               "a charcoal drawing", "an ink drawing", "a 3D render", "a pixel art image", "a vector illustration",
               "a woodcut print", "a pastel drawing", "an acrylic painting", "a comic book panel", "a matte painting",
               "a concept art piece", "a mosaic", "a collage", "a screen print", "a claymation still"),
    "movement": ("impressionism", "expressionism", "surrealism", "cubism", "art nouveau", "art deco", "baroque",
                 "romanticism", "realism", "pop art", "minimalism", "ukiyo-e", "pointillism", "fauvism",
                 "abstract art", "photorealism", "cyberpunk", "steampunk", "vaporwave", "gothic art"),
    "artist": ("Claude Monet", "Vincent van Gogh", "Rembrandt", "Johannes Vermeer", "Katsushika Hokusai",
               "Gustav Klimt", "Alphonse Mucha", "J. M. W. Turner", "Caspar David Friedrich", "Albrecht Durer",
               "Edgar Degas", "Paul Cezanne", "John Singer Sargent", "Utagawa Hiroshige", "Ivan Aivazovsky",
               "Egon Schiele", "Georges Seurat", "Winslow Homer", "Hieronymus Bosch", "Sandro Botticelli"),
    "flavour": ("highly detailed", "soft lighting", "dramatic lighting", "golden hour", "high contrast",
                "muted colors", "vibrant colors", "pastel colors", "monochrome", "bokeh", "wide angle",
                "close-up", "symmetrical", "cinematic", "foggy", "rainy", "night", "sunlit", "minimal", "ornate"),
}


def term_lists(models_dir: Path) -> dict[str, tuple[str, ...]]:
    lists = dict(LISTS)
    folder = Path(models_dir) / "clip" / "terms"
    if folder.is_dir():
        for file in sorted(folder.glob("*.txt")):
            terms = tuple(t.strip() for t in file.read_text(encoding="utf-8", errors="replace").splitlines()
                          if t.strip() and not t.startswith("#"))
            if terms:
                lists[file.stem] = terms
    return lists


class Interrogator:
    def __init__(self, clip, models_dir: Path):
        self._clip = clip
        self._models_dir = Path(models_dir)
        self._embedded: tuple | None = None  # (model, lists, {list: matrix})

    def interrogate(self, rgba: np.ndarray, terms: int) -> apb.InterrogateResponse:
        if not 0 <= terms <= MAX_TERMS:
            raise InvalidArgument("terms", f"must be 0 (= {DEFAULT_TERMS}) to {MAX_TERMS}, got {terms}")
        terms = terms or DEFAULT_TERMS
        image = self._clip.embed_images([rgba])[0]
        lists, matrices = self._term_vectors()
        response = apb.InterrogateResponse(model=self._clip.name)
        parts = []
        for name, words in lists.items():
            scores = matrices[name] @ image
            best = np.argsort(-scores, kind="stable")[:terms]
            chosen = [words[i] for i in best]
            response.terms.extend(apb.InterrogateTerm(list=name, term=words[i], similarity=float(scores[i]))
                                  for i in best)
            parts.append(", ".join(chosen) if name != "artist" else "by " + " and ".join(chosen))
        response.prompt = ", ".join(parts)
        return response

    def _term_vectors(self):
        lists = term_lists(self._models_dir)
        key = (self._clip.name, tuple((k, v) for k, v in lists.items()))
        if self._embedded is None or self._embedded[0] != key:
            self._embedded = (key, lists, {k: self._clip.embed_texts(list(v)) for k, v in lists.items()})
        return self._embedded[1], self._embedded[2]
