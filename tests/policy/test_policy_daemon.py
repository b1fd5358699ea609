"""The content policy over a real daemon: refusals before queuing, the locked image check, and
results blurred or withheld as the policy says, with events that say so."""

from __future__ import annotations

import grpc
import numpy as np
import pytest

from underpaint.client import Client
from underpaint.policy.image_check import PREVIEW_BLOCK, blur
from underpaint.v1 import underpaint_pb2 as pb

from tests.daemon.helpers import pixels, request, run_job


@pytest.fixture(scope="module")
def locked(locked_daemon):
    with Client(locked_daemon.grpc) as client:
        yield client


def _refused(client, req, code=grpc.StatusCode.FAILED_PRECONDITION) -> str:
    with pytest.raises(grpc.RpcError) as err:
        client.stub.Submit(req)
    assert err.value.code() == code, err.value.details()
    return err.value.details()


# --- what GetInfo says -------------------------------------------------------------------------

def test_without_a_policy_file_nothing_is_enforced(grpc_client):
    info = grpc_client.info()
    assert (info.policy.image_check, info.policy.locked, info.policy.blocked_terms, info.policy.source) == \
        ("off", False, 0, "")
    assert "content_policy" in info.capabilities
    # ... and names pass as they always did
    _, _, results, finished = run_job(grpc_client, request(prompt="taylor swift", steps=1))
    assert finished.status == pb.JOB_STATUS_SUCCEEDED and results[0].policy == ""


def test_get_info_tells_clients_what_is_enforced(locked, locked_daemon):
    summary = locked.info().policy
    builtin = 24  # lines of the built-in celebrities list
    assert summary.image_check == "blur" and summary.locked
    assert summary.blocked_terms == builtin + 2 + 1  # + school.txt's two rules + blocked_terms
    assert summary.source == str(locked_daemon.config_dir / "policy.toml")


# --- the prompt blocklist ----------------------------------------------------------------------

def test_a_blocked_name_is_refused_before_queuing(locked):
    message = _refused(locked, request(prompt="portrait of T4yl0r Sw1ft, studio light"))
    assert message.startswith("prompt: 'T4yl0r Sw1ft' at position 12 ")
    assert "'Taylor Swift'" in message and "content policy" in message
    assert "built-in celebrities, line" in message
    assert locked.info().queue_length == 0


@pytest.mark.parametrize("req, field, term, rule", [
    (request(prompt="Джейн Доу в парке"), "prompt: 'Джейн Доу' at position 0", "'Джейн Доу' (an alias of 'Jane Doe')",
     "school.txt, line 1"),
    (request(prompt="macs moostermann"), None, None, None),  # near-miss: allowed
    (request(prompt="sample person"), "prompt:", "'Sample Person'", "blocked_terms[0] in"),
    (request(prompt="a cat <lora:T4ylorSwift_v2:0.8>"), "prompt: lora tag at position 6: 'T4ylorSwift_v2'",
     "'Taylor Swift'", "celebrities"),
    (request(loras=[pb.LoraWeight(name="tswift/TaylorSwift-xl", weight=0.7)]), "loras[0].name: LoRA",
     "'Taylor Swift'", "celebrities"),
    (request(finishing=[pb.FinishingStep(rerender_faces=pb.RerenderFacesOptions(prompt="emma watson smiling"))]),
     "finishing[0].rerender_faces.prompt: 'emma watson'", "'Emma Watson'", "celebrities"),
])
def test_rules_name_the_field_the_term_and_where_the_rule_is(locked, req, field, term, rule):
    if field is None:
        req.image_check = "block"  # allowed text: it runs (and its image is checked)
        _, _, _, finished = run_job(locked, req)
        assert finished.status == pb.JOB_STATUS_SUCCEEDED
        return
    message = _refused(locked, req)
    assert message.startswith(field) and term in message and rule in message, message


def test_only_the_positive_prompt_is_checked(locked):
    _, _, results, finished = run_job(locked, request(prompt="a lake", negative_prompt="taylor swift", steps=1))
    assert finished.status == pb.JOB_STATUS_SUCCEEDED and len(results) == 1


def test_refusals_travel_over_connect_as_clear_kit_messages(locked_daemon):
    from underpaint_kit import JobRunner, RequestRejected, connect_daemon, policy

    daemon = connect_daemon(locked_daemon.http)
    req = request(prompt="Τέιλορ Σουίφτ at the beach")
    with pytest.raises(RequestRejected) as err:
        daemon.submit(req)
    assert err.value.code == "failed_precondition" and policy.is_policy_refusal(err.value)
    text = policy.refusal_message(err.value)
    assert text.startswith("The daemon's content policy does not allow this request. Prompt: 'Τέιλορ Σουίφτ'")
    outcome = JobRunner(daemon, req).run()  # what every Python plugin shows
    assert outcome.status == "failed" and outcome.message == text
    assert "Content policy: flagged images are blurred (locked); 27 blocked names" in \
        policy.policy_summary(daemon.get_info())


# --- the image check ---------------------------------------------------------------------------

def test_flagged_results_are_blurred_and_the_events_say_so(locked, grpc_client):
    req = request(prompt="a red fox in snow", count=2, previews=True, preview_max_size=64)
    _, _, plain, _ = run_job(grpc_client, req)   # the daemon without a policy: the same images, unchecked
    _, events, results, finished = run_job(locked, req)
    assert finished.status == pb.JOB_STATUS_SUCCEEDED
    assert [r.policy for r in results] == ["blurred", "blurred"]
    for before, after in zip(plain, results):
        assert not np.array_equal(pixels(before.image), pixels(after.image))
        assert np.array_equal(pixels(after.image), blur(pixels(before.image)))  # that image, blurred
        assert "blurred" in after.note and after.seed == before.seed
    policy_lines = [e.activity.message for e in events if e.HasField("activity") and e.activity.kind == "policy"]
    assert policy_lines == ["checking image 1", "image 1 was blurred: the content policy's image check flagged it",
                            "checking image 2", "image 2 was blurred: the content policy's image check flagged it"]


def test_previews_show_only_blocks_while_a_check_is_in_force(locked, grpc_client):
    req = request(previews=True, preview_max_size=64, steps=3)
    _, events, _, _ = run_job(locked, req)
    previews = [pixels(e.progress.preview) for e in events if e.HasField("progress") and e.progress.HasField("preview")]
    assert previews
    for preview in previews:
        h, w = preview.shape[:2]
        blocks = preview.reshape(h // PREVIEW_BLOCK, PREVIEW_BLOCK, w // PREVIEW_BLOCK, PREVIEW_BLOCK, 4)
        assert (blocks == blocks[:, :1, :, :1]).all()  # every block one colour
    _, plain_events, _, _ = run_job(grpc_client, req)  # without a policy the previews have detail
    plain = [pixels(e.progress.preview) for e in plain_events if e.HasField("progress") and e.progress.HasField("preview")]
    assert any(not (p.reshape(4, 16, 4, 16, 4) == p.reshape(4, 16, 4, 16, 4)[:, :1, :, :1]).all() for p in plain)


def test_a_request_may_tighten_a_locked_policy_to_withhold(locked_daemon, locked):
    _, events, results, finished = run_job(locked, request(image_check="block", count=2, output_format=pb.PIXEL_FORMAT_PNG))
    assert finished.status == pb.JOB_STATUS_SUCCEEDED
    assert [(r.index, r.policy, len(r.image.data)) for r in results] == [(0, "withheld", 0), (1, "withheld", 0)]
    assert all("withheld" in r.note for r in results)
    assert any(e.activity.kind == "policy" and "image 2 was withheld" in e.activity.message
               for e in events if e.HasField("activity"))

    from underpaint_kit import JobRunner, connect_daemon

    seen = []
    outcome = JobRunner(connect_daemon(locked_daemon.http), request(image_check="block"), on_result=seen.append).run()
    assert outcome.status == "succeeded" and outcome.results == [] and seen == []  # nothing to decode
    assert len(outcome.withheld) == 1
    assert outcome.message == ("Image 1 was withheld by the daemon's content policy (its image check "
                               "flagged it), so no layer was added for it.")


@pytest.mark.parametrize("wish", ["off"])
def test_a_locked_policy_cannot_be_loosened(locked, wish):
    message = _refused(locked, request(image_check=wish))
    assert message.startswith(f"image_check: '{wish}' would loosen the content policy") and "locked at 'blur'" in message


def test_an_unknown_image_check_names_the_choices(locked):
    message = _refused(locked, request(image_check="maybe"), grpc.StatusCode.INVALID_ARGUMENT)
    assert message.startswith("image_check: 'maybe' is not a choice") and "'block'" in message


def test_blurring_keeps_a_canvas_results_alpha_and_place(locked, grpc_client):
    canvas = pb.CanvasRequest(document_width=96, document_height=64, operation=pb.CANVAS_OPERATION_GENERATE)
    req = request(canvas=canvas, width=0, height=0)
    _, _, plain, _ = run_job(grpc_client, req)
    _, _, checked, _ = run_job(locked, req)
    before, after = plain[0], checked[0]
    assert after.policy == "blurred" and (after.x, after.y) == (before.x, before.y)
    assert np.array_equal(pixels(after.image)[:, :, 3], pixels(before.image)[:, :, 3])
    assert np.array_equal(pixels(after.image), blur(pixels(before.image)))


# --- an unlocked policy, and a check that cannot run ---------------------------------------------

def test_a_check_that_cannot_run_refuses_jobs_instead_of_passing_them(unchecked_daemon):
    with Client(unchecked_daemon.grpc) as client:
        message = _refused(client, request())
        assert message.startswith("image_check: the content policy asks for an image check ('blur') but no "
                               "safety checker is installed in ")
        assert "safety" in message
        # unlocked: a request may turn the check off, and then nothing needs checking
        _, _, results, finished = run_job(client, request(image_check="off"))
        assert finished.status == pb.JOB_STATUS_SUCCEEDED and results[0].policy == "" and results[0].image.data
        info = client.info().policy
        assert (info.image_check, info.locked, info.blocked_terms) == ("blur", False, 1)
        assert info.source.endswith("strict.toml")
    assert "every job will be refused until one is installed" in unchecked_daemon.log()


def test_a_style_cannot_smuggle_a_blocked_name_in(locked):
    """Styles are expanded into the prompt before the check: a name inside a style is refused too."""
    from underpaint.v1 import archive_pb2 as apb

    locked.lexicon.PutStyle(apb.Style(name="fan-art", prompt="{prompt}, in the style of Keanu Reeves"))
    message = _refused(locked, request(prompt="a knight", styles=["fan-art"]))
    assert message.startswith("prompt: 'Keanu Reeves' at position") and "'Keanu Reeves'" in message
    message = _refused(locked, request(prompt="a knight, {style:fan-art}"))
    assert "'Keanu Reeves'" in message


def test_the_archive_keeps_only_what_the_client_was_given(locked):
    """The check runs before archiving: a blurred image is archived blurred, a withheld one not at all."""
    from underpaint.v1 import archive_pb2 as apb

    _, _, results, _ = run_job(locked, request(prompt="a quiet harbour"))
    entry = locked.history.GetHistoryEntry(apb.GetHistoryEntryRequest(id=results[0].archive_id))
    assert results[0].policy == "blurred"
    assert np.array_equal(pixels(entry.image), pixels(results[0].image))
    _, _, held, _ = run_job(locked, request(prompt="a quiet harbour", image_check="block"))
    assert held[0].policy == "withheld" and held[0].archive_id == ""
