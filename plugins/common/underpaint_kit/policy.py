"""The daemon's content policy, told to the artist: refusals, blurred and withheld images.

Whoever runs the daemon may set a policy (a blocklist of names, an image check). A plugin never
shows its effects as a crash or an empty layer; it shows these messages (plain text):

    refusal_message(error)      -> str for a RequestRejected from submit, "" if not the policy's
    result_notice(result)       -> "" or "Image 2 was blurred by ..." for one pb.Result
    has_image(result)           -> False for a withheld result: place no layer for it
    policy_summary(info)        -> "" or a one-line "Content policy: ..." for a status area

The kit's JobRunner already keeps withheld results out of on_result and JobOutcome.results, and
lists every notice in JobOutcome.notices.
"""

from __future__ import annotations

BLURRED = "blurred"
WITHHELD = "withheld"
_MARK = "content policy"
_CHECKS = {"blur": "flagged images are blurred", "block": "flagged images are withheld"}


def is_policy_refusal(error) -> bool:
    """Whether a kit error is the daemon's content policy refusing a request."""
    return getattr(error, "code", "") == "failed_precondition" and _MARK in getattr(error, "message", "")


def refusal_message(error) -> str:
    """The artist-facing text for a policy refusal; "" for any other error."""
    if not is_policy_refusal(error):
        return ""
    detail = error.message
    if detail.startswith("image_check:"):
        return ("The daemon's content policy does not allow this image check setting. "
                f"{_sentence(detail.split(':', 1)[1])} The policy is set by whoever runs the daemon.")
    return ("The daemon's content policy does not allow this request. "
            f"{_sentence(detail)} Change the prompt or the LoRA and try again; the policy is set by "
            "whoever runs the daemon.")


def has_image(result) -> bool:
    return bool(result.image.data)


def result_notice(result) -> str:
    number = result.index + 1
    if result.policy == BLURRED:
        return f"Image {number} was blurred by the daemon's content policy (its image check flagged it)."
    if result.policy == WITHHELD or (result.policy and not has_image(result)):
        return (f"Image {number} was withheld by the daemon's content policy (its image check flagged "
                "it), so no layer was added for it.")
    return ""


def notices(results) -> list[str]:
    return [n for n in (result_notice(r) for r in results) if n]


def policy_summary(info) -> str:
    """One line for a status area, "" when the daemon enforces nothing."""
    p = info.policy
    parts = []
    if p.image_check in _CHECKS:
        parts.append(_CHECKS[p.image_check] + (" (locked)" if p.locked else ""))
    if p.blocked_terms:
        parts.append(f"{p.blocked_terms} blocked names and terms")
    return ("Content policy: " + "; ".join(parts) + ".") if parts else ""


def _sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    return text if text.endswith(".") else text + "."
