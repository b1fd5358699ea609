"""Checks a TRAIN_EMBEDDING request: the training images, the new embedding's name, its
initialiser word and the schedule. Everything is refused before queuing, naming the field."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import images
from ..errors import FailedPrecondition, InvalidArgument, NotFound

MIN_IMAGES, MAX_IMAGES = 3, 50
DEFAULT_STEPS, MAX_STEPS = 500, 20_000
DEFAULT_LEARNING_RATE, MAX_LEARNING_RATE = 0.005, 1.0
MAX_VECTORS = 16
DEFAULT_SAVE_EVERY = 50
DEFAULT_INIT_WORD = "*"          # A1111's default initialiser
MIN_SIDE = 64
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


@dataclass
class TrainSpec:
    images: list                  # (h, w, 3) uint8, all one size
    token: str                    # the embedding's name: its file name and its word in prompts
    init_word: str
    steps: int
    learning_rate: float
    vectors: int
    save_every: int
    path: Path                    # models/embeddings/TOKEN.safetensors
    addons: object                # models.addons.AddOnIndex, rescanned at each checkpoint


def resolve_train(req, resolved, limits, addons, archive=None) -> None:
    """Fills resolved.train (a TrainSpec), width and height for a TRAIN_EMBEDDING job.
    `archive` (archive.store.ArchiveStore or None) supplies the pictures of train.archive_ids."""
    t = req.train
    for name in ("init_image", "mask", "canvas", "noise", "edit", "controls", "frames", "finishing"):
        if req.HasField(name) if name in ("init_image", "mask", "canvas", "noise", "edit") else len(getattr(req, name)):
            raise InvalidArgument(name, "does not apply to a TRAIN_EMBEDDING job: it trains on train.images")
    if not req.HasField("train"):
        raise InvalidArgument("train", "a TRAIN_EMBEDDING job needs its options: images, token, init_word")
    if resolved.model.architecture not in ("sd15", "sd2"):
        raise FailedPrecondition(f"model '{resolved.model.id}' is {resolved.model.architecture}; embedding "
                                 "training supports SD 1.x and SD 2.x models")
    if addons is None:
        raise FailedPrecondition("this daemon has no add-on folder to save embeddings into")
    if t.archive_ids and archive is None:
        raise FailedPrecondition("train.archive_ids: this daemon runs without an archive; send the pictures "
                                 "in train.images")
    count = len(t.images) + len(t.archive_ids)
    if not MIN_IMAGES <= count <= MAX_IMAGES:
        raise InvalidArgument("train.images", f"{count} image(s); training needs {MIN_IMAGES} to {MAX_IMAGES}"
                              + (" (train.images and train.archive_ids together)" if t.archive_ids else ""))
    if not _TOKEN.fullmatch(t.token or ""):
        raise InvalidArgument("train.token", f"'{t.token}' is not a usable name: 1 to 64 letters, digits, '_', "
                              "'-' or '.', starting with a letter or digit")
    init_word = t.init_word.strip() or DEFAULT_INIT_WORD
    steps = t.steps or DEFAULT_STEPS
    if not 1 <= steps <= MAX_STEPS:
        raise InvalidArgument("train.steps", f"{steps} is out of range; allowed 1 to {MAX_STEPS}")
    rate = t.learning_rate or DEFAULT_LEARNING_RATE
    if not (np.isfinite(rate) and 0 < rate <= MAX_LEARNING_RATE):
        raise InvalidArgument("train.learning_rate", f"{rate} is out of range; allowed (0, {MAX_LEARNING_RATE}]")
    vectors = t.vectors or 1
    if not 1 <= vectors <= MAX_VECTORS:
        raise InvalidArgument("train.vectors", f"{vectors} is out of range; allowed 1 to {MAX_VECTORS}")
    save_every = t.save_every or DEFAULT_SAVE_EVERY
    if save_every < 1:
        raise InvalidArgument("train.save_every", f"{save_every} is out of range; allowed 1 or more steps")
    path = addons.models_dir / "embeddings" / f"{t.token}.safetensors"
    existing = addons.find("embedding", t.token)
    if (existing is not None or path.exists()) and not t.overwrite:
        raise InvalidArgument("train.token", f"an embedding named '{t.token}' already exists; choose another "
                              "name or set train.overwrite")
    named = [(f"train.images[{i}]", images.decode(img, f"train.images[{i}]", 3, limits.max_generation_pixels))
             for i, img in enumerate(t.images)]
    named += [(f"train.archive_ids[{i}]", _from_archive(archive, entry_id, f"train.archive_ids[{i}]",
                                                        limits.max_generation_pixels))
              for i, entry_id in enumerate(t.archive_ids)]
    first, (height, width) = named[0][0], named[0][1].shape[:2]
    multiple = resolved.model.size_multiple
    for field, img in named:
        if img.shape[:2] != (height, width):
            raise InvalidArgument(field, f"is {img.shape[1]}x{img.shape[0]} but {first} is {width}x{height}; "
                                  "all training images must be the same size")
    decoded = [img for _, img in named]
    if min(width, height) < MIN_SIDE or width % multiple or height % multiple:
        raise InvalidArgument("train.images", f"are {width}x{height}; sides must be multiples of {multiple}, "
                              f"at least {MIN_SIDE}")
    resolved.width, resolved.height, resolved.count = width, height, 1
    resolved.train = TrainSpec(images=decoded, token=t.token, init_word=init_word, steps=steps,
                               learning_rate=float(rate), vectors=vectors, save_every=save_every, path=path,
                               addons=addons)


def _from_archive(archive, entry_id: str, field: str, max_pixels: int) -> np.ndarray:
    """An archive entry's picture as (h, w, 3) uint8, flattened over grey as train.images' are."""
    try:
        meta = archive.get_meta(entry_id)  # the size first: no pixels read for a picture refused anyway
        if meta.width * meta.height > max_pixels:
            raise InvalidArgument(field, f"'{entry_id}' is {meta.width}x{meta.height}, over the limit of "
                                  f"{max_pixels} pixels")
        entry, rgba = archive.get(entry_id)
    except NotFound:
        raise NotFound(f"{field}: '{entry_id}' is no archive entry (deleted or evicted?)") from None
    pixels = np.frombuffer(rgba, np.uint8).reshape(entry.height, entry.width, 4)
    return images.convert_channels(pixels, 3)
