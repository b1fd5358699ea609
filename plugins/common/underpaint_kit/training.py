"""Training an embedding (textual inversion) from a host: the request behind "Train embedding from
selected layers", and a job runner that reports the loss and keeps the embedding's result.

    train_request([(w, h, rgba), ...], token="my-cat", init_word="cat", steps=500)
    TrainingRunner(daemon, request, on_loss=lambda step, total, loss: ...).run()

The daemon learns the new word's vectors on the chosen SD 1.x / 2.x model and saves them as
models/embeddings/TOKEN.safetensors; the word works in the next prompt at once. The checks
here mirror the daemon's, so a host can say what is wrong before sending anything.
"""

from __future__ import annotations

import math
import re

from .jobs import JobRunner
from .protocol import pb

CAPABILITY = "train_embedding"
MIN_IMAGES, MAX_IMAGES = 3, 50
MAX_STEPS = 20_000
MAX_LEARNING_RATE = 1.0
MIN_SIDE = 64
SIZE_MULTIPLE = 8  # SD 1.x / 2.x
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def crop_to_multiple(width: int, height: int, rgba, multiple: int = SIZE_MULTIPLE):
    """(width, height, rgba) with the right and bottom edges trimmed to multiples of `multiple`
    (at most multiple - 1 pixels each): document sizes rarely are, the model needs them."""
    w, h = width - width % multiple, height - height % multiple
    if (w, h) == (width, height):
        return width, height, bytes(rgba)
    data = memoryview(bytes(rgba))
    rows = b"".join(data[y * width * 4:(y * width + w) * 4] for y in range(h))
    return w, h, rows


def train_request(images=(), token: str = "", init_word: str = "", steps: int = 0, learning_rate: float = 0.0,
                  archive_ids=(), model: str = "", vectors: int = 0, save_every: int = 0, overwrite: bool = False,
                  seed: int = -1, client: str = "") -> pb.GenerateRequest:
    """A TRAIN_EMBEDDING job. images: (width, height, RGBA8 bytes) tuples, all one size, sides
    multiples of 8 and at least 64; archive_ids: archive entries trained on too (3 to 50 pictures
    in all). steps 0 = 500, learning_rate 0 = 0.005, init_word "" = "*". Raises ValueError
    naming the argument."""
    images, archive_ids = list(images), [str(i) for i in archive_ids]
    count = len(images) + len(archive_ids)
    if not MIN_IMAGES <= count <= MAX_IMAGES:
        raise ValueError(f"images: {count} picture(s); training needs {MIN_IMAGES} to {MAX_IMAGES}")
    if not _TOKEN.fullmatch(token or ""):
        raise ValueError(f"token: {token!r} is not a usable name: 1 to 64 letters, digits, '_', '-' or '.', "
                         "starting with a letter or digit")
    if not 0 <= int(steps) <= MAX_STEPS:
        raise ValueError(f"steps: expected 1 to {MAX_STEPS} (or 0 for 500), got {steps!r}")
    if not (math.isfinite(learning_rate) and 0.0 <= learning_rate <= MAX_LEARNING_RATE):
        raise ValueError(f"learning_rate: expected above 0 up to {MAX_LEARNING_RATE:g} (or 0 for 0.005), "
                         f"got {learning_rate!r}")
    sent = []
    for i, (width, height, rgba) in enumerate(images):
        if width <= 0 or height <= 0 or len(rgba) != width * height * 4:
            raise ValueError(f"images[{i}]: {len(rgba)} bytes do not make a {width}x{height} RGBA8 picture")
        if (width, height) != tuple(images[0][:2]):
            raise ValueError(f"images[{i}]: is {width}x{height} but images[0] is {images[0][0]}x{images[0][1]}; "
                             "all training pictures must be the same size")
        if min(width, height) < MIN_SIDE or width % SIZE_MULTIPLE or height % SIZE_MULTIPLE:
            raise ValueError(f"images[{i}]: is {width}x{height}; sides must be multiples of {SIZE_MULTIPLE}, at "
                             f"least {MIN_SIDE} (crop_to_multiple trims the edges)")
        sent.append(pb.Image(width=width, height=height, format=pb.PIXEL_FORMAT_RGBA8, data=bytes(rgba)))
    options = pb.TrainEmbeddingOptions(images=sent, archive_ids=archive_ids, token=token,
                                       init_word=init_word.strip(), steps=int(steps),
                                       learning_rate=float(learning_rate), vectors=int(vectors),
                                       save_every=int(save_every), overwrite=overwrite)
    return pb.GenerateRequest(type=pb.JOB_TYPE_TRAIN_EMBEDDING, model=model, seed=int(seed), client=client,
                              train=options)


class TrainingRunner(JobRunner):
    """A JobRunner for TRAIN_EMBEDDING jobs: on_loss(step, total, loss) with each progress
    event, and the embedding's Result (it has no image) in the outcome's results."""

    def __init__(self, daemon, request: pb.GenerateRequest, on_loss=None, **callbacks):
        super().__init__(daemon, request, **callbacks)
        self.on_loss = on_loss

    def _dispatch(self, event, outcome) -> bool:
        kind = event.WhichOneof("kind")
        if kind == "progress":
            self._fire(self.on_loss, event.progress.step, event.progress.total_steps, event.progress.loss)
        elif kind == "result" and event.result.embedding:
            outcome.results.append(event.result)
            self._fire(self.on_result, event.result)
            return False
        return super()._dispatch(event, outcome)


def embeddings(list_models_response) -> list:
    """The "embedding" add-ons of a ListModels response (a trained one appears here)."""
    return [a for a in list_models_response.add_ons if a.type == "embedding"]
