"""The archive, the lexicon and the concept check through a real `underpaint serve` process:
native gRPC, the Connect gateway (through the host kit) and the CLI."""

from __future__ import annotations

import io
import subprocess
import sys
import uuid
from pathlib import Path

import grpc
import numpy as np
import pytest
from PIL import Image as PILImage
from PIL import PngImagePlugin

from underpaint.v1 import archive_pb2 as apb
from underpaint.v1 import underpaint_pb2 as pb

from tests.daemon.helpers import pixels, request, run_job

REPO = Path(__file__).resolve().parents[2]
if str(REPO / "plugins" / "common") not in sys.path:
    sys.path.insert(0, str(REPO / "plugins" / "common"))


@pytest.fixture
def doc():
    """The daemon is shared by the session: each test files its results under its own document."""
    return f"doc-{uuid.uuid4().hex[:10]}.kra"


@pytest.fixture
def kit_daemon(daemon):
    from underpaint_kit import Daemon

    d = Daemon(daemon.http)
    yield d
    d.close()


def small(**fields) -> pb.GenerateRequest:
    return request(steps=2, **fields)


def cli(daemon, *args, timeout=300):
    env = dict(daemon.env, UNDERPAINT_SERVER=daemon.grpc)
    return subprocess.run([sys.executable, "-m", "underpaint.cli.main", *args], env=env, capture_output=True,
                          text=True, timeout=timeout)


def test_results_are_archived_and_found_over_both_transports(grpc_client, kit_daemon, doc):
    from underpaint_kit import history

    _, _, results, finished = run_job(grpc_client, small(count=2, archive=pb.ArchiveOptions(host="krita", document=doc)))
    assert finished.status == pb.JOB_STATUS_SUCCEEDED
    archived = [r.archive_id for r in results]
    assert all(archived) and len(set(archived)) == 2

    found = grpc_client.history.SearchHistory(apb.SearchHistoryRequest(document=doc))
    assert [e.id for e in found.entries] == archived[::-1] and found.total == 2  # newest first
    assert {e.host for e in found.entries} == {"krita"}
    assert found.bytes_used > 0 and found.bytes_budget > found.bytes_used

    first = results[0]
    entry = grpc_client.history.GetHistoryEntry(apb.GetHistoryEntryRequest(id=first.archive_id))
    assert np.array_equal(pixels(entry.image), pixels(first.image))
    assert entry.parameters == first.parameters and entry.parameters.seed == first.seed
    png = grpc_client.history.GetHistoryEntry(apb.GetHistoryEntryRequest(id=first.archive_id,
                                                                         format=pb.PIXEL_FORMAT_PNG))
    pil = PILImage.open(io.BytesIO(png.image.data))
    assert pil.text["parameters"] == first.parameters.infotext
    assert np.array_equal(np.asarray(pil.convert("RGBA")), pixels(first.image))

    page = history.history_page(kit_daemon, document=doc)  # the Connect gateway
    assert [e.id for e in page.entries] == archived[::-1] and page.entries[0].thumbnail.data[:4] == b"RIFF"
    again = history.reuse_parameters(history.fetch_entry(kit_daemon, first.archive_id))
    again.archive.skip = True
    _, _, remade, _ = run_job(grpc_client, again)
    assert np.array_equal(pixels(remade[0].image), pixels(first.image))  # the parameters make it again
    assert remade[0].archive_id == ""


def test_thumbnails_come_as_png_for_hosts_without_webp(grpc_client, kit_daemon, doc):
    from underpaint_kit import history

    _, _, results, _ = run_job(grpc_client, small(archive=pb.ArchiveOptions(document=doc)))
    webp = history.history_page(kit_daemon, document=doc).entries[0].thumbnail
    page = history.history_page(kit_daemon, document=doc, png_thumbnails=True)  # the Connect gateway
    thumb = page.entries[0].thumbnail
    assert thumb.format == pb.PIXEL_FORMAT_PNG and thumb.data[:8] == b"\x89PNG\r\n\x1a\n"
    png, stored = PILImage.open(io.BytesIO(thumb.data)), PILImage.open(io.BytesIO(webp.data))
    assert (thumb.width, thumb.height) == png.size == stored.size  # the size is filled in
    assert np.array_equal(np.asarray(png.convert("RGBA")), np.asarray(stored.convert("RGBA")))  # same pixels
    assert page.entries[0].id == results[0].archive_id
    with pytest.raises(grpc.RpcError) as refused:
        grpc_client.history.SearchHistory(apb.SearchHistoryRequest(document=doc,
                                                                   thumbnail_format=pb.PIXEL_FORMAT_GRAY8))
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "thumbnail_format" in refused.value.details() and "PNG" in refused.value.details()


def test_canvas_results_keep_their_place(grpc_client, kit_daemon, doc):
    from underpaint_kit import history

    canvas = pb.CanvasRequest(document_width=200, document_height=120,
                              selection=pb.Image(width=40, height=30, format=pb.PIXEL_FORMAT_GRAY8, data=b"\xff" * 1200),
                              selection_x=90, selection_y=50, operation=pb.CANVAS_OPERATION_GENERATE)
    _, _, results, _ = run_job(grpc_client, small(width=0, height=0, canvas=canvas,
                                                  archive=pb.ArchiveOptions(document=doc)))
    r = results[0]
    place = history.placement(history.fetch_entry(kit_daemon, r.archive_id))
    assert (place.x, place.y, place.document_width, place.document_height) == \
           (r.x, r.y, r.document_width, r.document_height)
    assert (place.width, place.height) == (r.image.width, r.image.height)


def test_skip_parent_and_bad_archive_options(grpc_client, doc):
    _, _, skipped, _ = run_job(grpc_client, small(archive=pb.ArchiveOptions(skip=True, document=doc)))
    assert skipped[0].archive_id == ""
    assert grpc_client.history.SearchHistory(apb.SearchHistoryRequest(document=doc)).total == 0

    _, _, first, _ = run_job(grpc_client, small(archive=pb.ArchiveOptions(document=doc)))
    _, _, child, _ = run_job(grpc_client, small(seed=9, archive=pb.ArchiveOptions(document=doc,
                                                                               parent_id=first[0].archive_id)))
    entry = grpc_client.history.GetHistoryEntry(apb.GetHistoryEntryRequest(id=child[0].archive_id))
    assert entry.parent_id == first[0].archive_id

    with pytest.raises(grpc.RpcError) as err:
        grpc_client.stub.Submit(small(archive=pb.ArchiveOptions(parent_id="no-such-entry")))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert err.value.details().startswith("archive.parent_id:")


def test_star_tag_delete_and_refusals(grpc_client, doc):
    _, _, results, _ = run_job(grpc_client, small(archive=pb.ArchiveOptions(document=doc)))
    entry_id = results[0].archive_id
    h = grpc_client.history
    e = h.UpdateHistoryEntry(apb.UpdateHistoryEntryRequest(id=entry_id, starred=True, add_tags=["fox", "keep"]))
    assert e.starred and list(e.tags) == ["fox", "keep"]
    assert [x.id for x in h.SearchHistory(apb.SearchHistoryRequest(tags=["fox"], document=doc)).entries] == [entry_id]
    for bad, code, field in [(apb.SearchHistoryRequest(limit=1000), grpc.StatusCode.INVALID_ARGUMENT, "limit"),
                             (apb.SearchHistoryRequest(cursor="x"), grpc.StatusCode.INVALID_ARGUMENT, "cursor")]:
        with pytest.raises(grpc.RpcError) as err:
            h.SearchHistory(bad)
        assert err.value.code() == code and err.value.details().startswith(field)
    with pytest.raises(grpc.RpcError) as err:
        h.UpdateHistoryEntry(apb.UpdateHistoryEntryRequest(id=entry_id, add_tags=["a,b"]))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT and "add_tags[0]" in err.value.details()
    assert h.DeleteHistoryEntries(apb.DeleteHistoryEntriesRequest(ids=[entry_id])).deleted == 1
    with pytest.raises(grpc.RpcError) as err:
        h.GetHistoryEntry(apb.GetHistoryEntryRequest(id=entry_id))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND


def test_styles_are_expanded_and_unknown_ones_refused(grpc_client, kit_daemon):
    from underpaint_kit import history

    name = f"ink-{uuid.uuid4().hex[:6]}"
    grpc_client.lexicon.PutStyle(apb.Style(name=name, prompt="ink drawing, {prompt}", negative_prompt="colour"))
    assert name in [s.name for s in history.list_styles(kit_daemon)]  # over Connect too
    req = history.apply_styles(small(prompt="a fox, {style:%s}" % name, archive=pb.ArchiveOptions(skip=True)), [name])
    _, _, results, _ = run_job(grpc_client, req)
    params = results[0].parameters
    assert params.prompt == "ink drawing, a fox, ink drawing"
    assert params.negative_prompt == "colour" and list(params.styles) == [name]
    with pytest.raises(grpc.RpcError) as err:
        grpc_client.stub.Submit(small(prompt="a fox {style:nope-%s}" % name))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert err.value.details().startswith("prompt: unknown style") and "at character 6" in err.value.details()
    with pytest.raises(grpc.RpcError) as err:
        grpc_client.stub.Submit(small(styles=["nope"]))
    assert err.value.details().startswith("styles[0]:")
    assert grpc_client.info().protocol_major == 1  # still serving


def test_concept_check_reads_the_models_own_token_table(grpc_client, kit_daemon, daemon):
    from safetensors.torch import load_file
    from underpaint_kit import history

    one = history.check_concept(kit_daemon, "a", neighbours=5)
    assert one.single_token and [t.token for t in one.tokens] == ["a</w>"]
    several = grpc_client.lexicon.CheckConcept(apb.CheckConceptRequest(text="cat", neighbours=4))
    assert not several.single_token and [t.token for t in several.tokens] == ["c", "a", "t</w>"]
    # Independently: cosine similarities from the model file's embedding table.
    folder = Path(daemon.models_dir) / "underpaint-demo" / "text_encoder" / "model.safetensors"
    table = next(v for k, v in load_file(folder).items() if k.endswith("token_embedding.weight")).float().numpy()
    unit = table / np.linalg.norm(table, axis=1, keepdims=True)
    t = several.tokens[0]
    sims = unit @ unit[t.id]
    sims[[t.id, 512, 513]] = -2  # itself and the special tokens are not neighbours
    expected = np.argsort(-sims)[:4]
    assert [n.id for n in t.neighbours] == expected.tolist()
    assert np.allclose([n.similarity for n in t.neighbours], sims[expected], atol=1e-5)
    with pytest.raises(grpc.RpcError) as err:
        grpc_client.lexicon.CheckConcept(apb.CheckConceptRequest(text="cat", neighbours=101))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT and err.value.details().startswith("neighbours")


def test_cli_imports_a1111_pngs_searches_shows_and_exports(daemon, tmp_path):
    word = f"zebra{uuid.uuid4().hex[:6]}"
    info = PngImagePlugin.PngInfo()
    info.add_text("parameters", f"a {word} on a beach\nNegative prompt: lowres\n"
                                "Steps: 20, Sampler: DPM++ 2M Karras, CFG scale: 6.5, Seed: 42, Size: 48x32, "
                                "Model hash: 6ce0161689, Model: v1-5-pruned-emaonly")
    src = tmp_path / "a1111.png"
    arr = np.random.default_rng(1).integers(0, 256, (32, 48, 3), dtype=np.uint8)
    PILImage.fromarray(arr).save(src, pnginfo=info)
    out = cli(daemon, "history", "import", str(src), "--tag", "imported")
    assert out.returncode == 0, out.stderr
    entry_id = out.stdout.split(" as ")[1].split(":")[0]

    found = cli(daemon, "history", "search", word)
    assert found.returncode == 0 and entry_id in found.stdout and "1 of 1 shown" in found.stdout
    by_hash = cli(daemon, "history", "search", word, "--model", "6ce0161689", "--tag", "imported", "--json")
    assert entry_id in by_hash.stdout
    shown = cli(daemon, "history", "show", entry_id)
    assert "Sampler: DPM++ 2M Karras" in shown.stdout and "a1111.png" in shown.stdout

    exported = tmp_path / "out.png"
    assert cli(daemon, "history", "export", entry_id, "--out", str(exported)).returncode == 0
    pil = PILImage.open(exported)
    assert np.array_equal(np.asarray(pil.convert("RGB")), arr)
    assert f"a {word} on a beach" in pil.text["parameters"]
    back = cli(daemon, "history", "import", str(exported))  # our own export imports again, exactly
    again_id = back.stdout.split(" as ")[1].split(":")[0]
    shown_again = cli(daemon, "history", "show", again_id, "--json")
    assert '"sampler": "dpmpp_2m_karras"' in shown_again.stdout and '"seed": "42"' in shown_again.stdout

    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG not really")
    bad = cli(daemon, "history", "import", str(broken))
    assert bad.returncode == 1 and "image.data: not a readable image file" in bad.stderr


def test_cli_styles_import_list_export(daemon, tmp_path):
    name = f"Cine-{uuid.uuid4().hex[:6]}"
    csv_file = tmp_path / "styles.csv"
    csv_file.write_text(f'name,prompt,negative_prompt\n{name},"cinematic {{prompt}}, film grain",cartoon\n')
    out = cli(daemon, "styles", "import", str(csv_file))
    assert out.returncode == 0 and "imported 1 style(s)" in out.stdout
    assert name in cli(daemon, "styles", "list").stdout
    again = cli(daemon, "styles", "import", str(csv_file))
    assert f"kept existing: {name}" in again.stdout
    exported = tmp_path / "all.json"
    assert cli(daemon, "styles", "export", str(exported)).returncode == 0
    assert f'"name": "{name}"' in exported.read_text()
    concept = cli(daemon, "concept", "a")
    assert concept.returncode == 0 and "one known word" in concept.stdout
