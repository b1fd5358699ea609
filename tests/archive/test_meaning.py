"""Search by meaning and interrogate with a random-weights open_clip model built here: the ranking
must agree with CLIP embeddings computed independently, in-process and through a real daemon."""

from __future__ import annotations

import io
import os
import sys
import time
from pathlib import Path

import grpc
import numpy as np
import pytest
from PIL import Image as PILImage

from underpaint.archive.clip_model import write_random_clip
from underpaint.archive.interrogate import LISTS, Interrogator
from underpaint.archive.meaning import MeaningIndex
from underpaint.archive.recorder import thumbnail
from underpaint.archive.service import HistoryService
from underpaint.archive.store import ArchiveStore, NewEntry
from underpaint.v1 import archive_pb2 as apb
from underpaint.v1 import underpaint_pb2 as pb

REPO = Path(__file__).resolve().parents[2]


def independent_clip(folder: Path):
    import open_clip

    model, _, preprocess = open_clip.create_model_and_transforms(f"local-dir:{folder}")
    model.eval()
    return model, preprocess, open_clip.get_tokenizer(f"local-dir:{folder}")


def unit(t) -> np.ndarray:
    a = t.detach().float().numpy()
    return a / np.linalg.norm(a, axis=-1, keepdims=True)


@pytest.fixture(scope="module")
def clip_models(tmp_path_factory) -> Path:
    models = tmp_path_factory.mktemp("clip-models")
    write_random_clip(models / "clip" / "tiny-random")
    return models


@pytest.fixture
def indexed(tmp_path, clip_models):
    from underpaint.archive.clip_model import ClipModel

    store = ArchiveStore(tmp_path / "a")
    images = [np.random.default_rng(i).integers(0, 256, (48, 64, 4), dtype=np.uint8) for i in range(6)]
    for i, arr in enumerate(images):
        arr[..., 3] = 255
        store.add(64, 48, arr.tobytes(), NewEntry(pb.GenerationParameters(prompt=f"picture {i}"), document=f"d{i % 2}"),
                  thumbnail(arr))
    index = MeaningIndex(store, ClipModel(clip_models))
    while index.index_pending(batch=4):
        pass
    yield store, index, images
    store.close()


def test_every_entry_gets_a_vector_and_ranking_matches_clip(indexed, clip_models):
    import torch

    store, index, _ = indexed
    assert store.db.execute("SELECT COUNT(*) FROM clip_vectors").fetchone()[0] == 6
    model, preprocess, tokenizer = independent_clip(clip_models / "clip" / "tiny-random")
    with torch.no_grad():
        query = unit(model.encode_text(tokenizer(["a lighthouse at dusk"])))[0]
        thumbs = [PILImage.open(io.BytesIO(e.thumbnail.data)).convert("RGB")
                  for e in store.search(apb.SearchHistoryRequest())[0]][::-1]  # oldest first = entry order
        vectors = unit(model.encode_image(torch.stack([preprocess(t) for t in thumbs])))
    expected = vectors @ query
    service = HistoryService(store, {}, index)
    entries, _, total = service._search_by_meaning(apb.SearchHistoryRequest(meaning="a lighthouse at dusk"))
    assert total == 6
    assert [e.parameters.prompt for e in entries] == [f"picture {i}" for i in np.argsort(-expected)]
    assert np.allclose([e.similarity for e in entries], np.sort(expected)[::-1], atol=1e-4)


def test_an_example_image_finds_itself_first_and_filters_still_apply(indexed):
    store, index, images = indexed
    service = HistoryService(store, {}, index)
    example = pb.Image(width=64, height=48, format=pb.PIXEL_FORMAT_RGBA8, data=images[3].tobytes())
    entries, _, _ = service._search_by_meaning(apb.SearchHistoryRequest(example=example))
    assert entries[0].parameters.prompt == "picture 3" and entries[0].similarity > 0.99
    only_d0, cursor, total = service._search_by_meaning(apb.SearchHistoryRequest(example=example, document="d0",
                                                                                 limit=2))
    assert total == 3 and cursor == "m2" and {e.document for e in only_d0} == {"d0"}
    rest, cursor, _ = service._search_by_meaning(apb.SearchHistoryRequest(example=example, document="d0",
                                                                          limit=2, cursor="m2"))
    assert len(rest) == 1 and cursor == ""


def test_deleted_entries_leave_the_ranking(indexed):
    store, index, _ = indexed
    service = HistoryService(store, {}, index)
    first, _, _ = service._search_by_meaning(apb.SearchHistoryRequest(meaning="x"))
    store.delete([first[0].id])
    again, _, total = service._search_by_meaning(apb.SearchHistoryRequest(meaning="x"))
    assert total == 5 and first[0].id not in [e.id for e in again]
    assert store.db.execute("SELECT COUNT(*) FROM clip_vectors").fetchone()[0] == 5


def test_interrogate_picks_each_lists_closest_terms(clip_models):
    import torch

    from underpaint.archive.clip_model import ClipModel

    picture = np.random.default_rng(5).integers(0, 256, (40, 40, 4), dtype=np.uint8)
    answer = Interrogator(ClipModel(clip_models), clip_models).interrogate(picture, 1)
    model, preprocess, tokenizer = independent_clip(clip_models / "clip" / "tiny-random")
    with torch.no_grad():
        image = unit(model.encode_image(preprocess(PILImage.fromarray(picture[..., :3]))[None]))[0]
        for name, words in LISTS.items():
            best = words[int(np.argmax(unit(model.encode_text(tokenizer(list(words)))) @ image))]
            assert [t.term for t in answer.terms if t.list == name] == [best]
    assert answer.model == "tiny-random" and answer.prompt.count(",") == 3


def test_users_term_lists_replace_and_extend(tmp_path):
    from underpaint.archive.interrogate import term_lists

    (tmp_path / "clip" / "terms").mkdir(parents=True)
    (tmp_path / "clip" / "terms" / "artist.txt").write_text("# mine\nAnna Ancher\nP. S. Kroyer\n")
    (tmp_path / "clip" / "terms" / "lens.txt").write_text("fisheye\ntelephoto\n")
    lists = term_lists(tmp_path)
    assert lists["artist"] == ("Anna Ancher", "P. S. Kroyer") and lists["lens"] == ("fisheye", "telephoto")
    assert lists["medium"] == LISTS["medium"]


def test_through_a_daemon_with_a_clip_model(demo_models_dir, clip_models, tmp_path):
    """Results are indexed in the background; search by example, interrogate over Connect, and
    the concept check's closest images."""
    from underpaint.client import Client
    from underpaint.testing import DaemonProcess

    from tests.daemon.helpers import request, run_job

    models = tmp_path / "models"
    models.mkdir()
    for child in demo_models_dir.iterdir():
        os.symlink(child, models / child.name)
    os.symlink(clip_models / "clip", models / "clip")
    daemon = DaemonProcess(models, tmp_path / "home").start()
    try:
        with Client(daemon.grpc) as c:
            _, _, results, _ = run_job(c, request(steps=2, count=2))
            for _ in range(600):  # the indexer runs beside the jobs: wait for both vectors
                found = c.history.SearchHistory(apb.SearchHistoryRequest(meaning="anything"))
                if found.total == 2:
                    break
                time.sleep(0.1)
            assert found.total == 2
            ranked = c.history.SearchHistory(apb.SearchHistoryRequest(example=results[1].image))
            assert ranked.entries[0].id == results[1].archive_id and ranked.entries[0].similarity > 0.99
            concept = c.lexicon.CheckConcept(apb.CheckConceptRequest(text="a fox"))
            assert sorted(concept.archive_ids) == sorted(r.archive_id for r in results)
        sys.path.insert(0, str(REPO / "plugins" / "common"))
        from underpaint_kit import Daemon, pb_archive

        kit = Daemon(daemon.http)
        answer = kit.call("underpaint.v1.Lexicon", "Interrogate", pb_archive.InterrogateRequest(
            image=results[0].image, terms=2), pb_archive.InterrogateResponse, 120)
        assert answer.model == "tiny-random" and len(answer.terms) == 8 and answer.prompt
        kit.close()
    finally:
        daemon.stop()


def test_without_a_clip_model_the_refusal_says_where_to_put_one(grpc_client):
    with pytest.raises(grpc.RpcError) as err:
        grpc_client.history.SearchHistory(apb.SearchHistoryRequest(meaning="a fox"))
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "no CLIP model is installed" in err.value.details() and "clip" in err.value.details()
    with pytest.raises(grpc.RpcError) as err:
        grpc_client.history.SearchHistory(apb.SearchHistoryRequest(meaning="a", example=pb.Image(width=1)))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT and err.value.details().startswith("example")
