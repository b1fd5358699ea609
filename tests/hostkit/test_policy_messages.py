"""underpaint_kit.policy: what a plugin shows for the daemon's content policy (the live daemon
side is in tests/policy/test_policy_daemon.py)."""

from __future__ import annotations

from underpaint_kit import RequestRejected, pb, policy


def test_only_policy_refusals_get_the_policy_message():
    refusal = RequestRejected("failed_precondition", "prompt: 'jane doe' at position 0 matches the blocked name "
                              "'Jane Doe', refused by the content policy (blocked_terms[0] in /etc/p.toml)")
    assert policy.refusal_message(refusal) == (
        "The daemon's content policy does not allow this request. Prompt: 'jane doe' at position 0 matches "
        "the blocked name 'Jane Doe', refused by the content policy (blocked_terms[0] in /etc/p.toml). "
        "Change the prompt or the LoRA and try again; the policy is set by whoever runs the daemon.")
    other = RequestRejected("failed_precondition", "model: is still loading")
    assert policy.refusal_message(other) == "" and not policy.is_policy_refusal(other)
    assert policy.refusal_message(RequestRejected("invalid_argument", "steps: 0 content policy")) == ""


def test_a_locked_image_check_refusal_reads_as_a_setting_not_a_prompt_problem():
    refusal = RequestRejected("failed_precondition", "image_check: 'off' would loosen the content policy, "
                              "which whoever runs this daemon has locked at 'blur'")
    text = policy.refusal_message(refusal)
    assert text.startswith("The daemon's content policy does not allow this image check setting. 'off' would")
    assert "Change the prompt" not in text


def test_result_notices():
    plain = pb.Result(index=0, image=pb.Image(width=1, height=1, data=b"\0\0\0\xff"))
    blurred = pb.Result(index=1, policy="blurred", image=pb.Image(width=1, height=1, data=b"\0\0\0\xff"))
    withheld = pb.Result(index=2, policy="withheld")
    assert policy.result_notice(plain) == "" and policy.has_image(plain)
    assert policy.result_notice(blurred).startswith("Image 2 was blurred by the daemon's content policy")
    assert policy.result_notice(withheld).startswith("Image 3 was withheld") and not policy.has_image(withheld)
    assert len(policy.notices([plain, blurred, withheld])) == 2


def test_the_summary_is_empty_when_nothing_is_enforced():
    assert policy.policy_summary(pb.Info()) == ""
    assert policy.policy_summary(pb.Info(policy=pb.PolicySummary(image_check="off", blocked_terms=3))) == \
        "Content policy: 3 blocked names and terms."
    assert policy.policy_summary(pb.Info(policy=pb.PolicySummary(image_check="block"))) == \
        "Content policy: flagged images are withheld."
