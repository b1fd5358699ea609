"""Submit-time enforcement: the prompt blocklist and the image check a request may have.

Everything here runs before the job is queued. A blocked name is refused with
FAILED_PRECONDITION naming the field, the text that matched, the blocked name and the rule it
comes from, so the person refused knows why and whoever runs the daemon can find the rule.
"""

from __future__ import annotations

import re

from ..errors import FailedPrecondition, InvalidArgument
from .settings import IMAGE_CHECKS, Policy

# A1111's add-on tags in prompts: <lora:NAME:WEIGHT>, <lyco:...>, <hypernet:...>
_TAG = re.compile(r"<\s*(lora|lyco|locon|hypernet)\s*:\s*([^:>]+?)\s*(?::[^>]*)?>", re.IGNORECASE)


def check_request(policy: Policy, req) -> str:
    """Checks a GenerateRequest; returns the image check its results get ("off", "blur", "block")."""
    mode = image_check_for(policy, req.image_check)
    check_prompt(policy, "prompt", req.prompt)
    for i, lora in enumerate(req.loras):
        check_name(policy, f"loras[{i}].name", lora.name, "LoRA")
    for i, step in enumerate(req.finishing):
        if step.WhichOneof("step") == "rerender_faces":
            check_prompt(policy, f"finishing[{i}].rerender_faces.prompt", step.rerender_faces.prompt)
    return mode


def check_addons(policy: Policy, plan) -> None:
    """The add-ons a resolved request uses, by their ids (an embedding's file name can be a name
    the prompt only spells through it)."""
    if plan is None or not len(policy.blocklist):
        return
    for use in plan.loras:
        check_name(policy, use.field, use.entry.id, "LoRA")
    for embedding in plan.embeddings:
        check_name(policy, "prompt", embedding.entry.id, "embedding")


def check_prompt(policy: Policy, field: str, text: str) -> None:
    if not text or not len(policy.blocklist):
        return
    for tag in _TAG.finditer(text):
        check_name(policy, field, tag.group(2), f"{tag.group(1).lower()} tag at position {tag.start()}:")
    hit = policy.blocklist.find(text)
    if hit:
        raise FailedPrecondition(f"{field}: '{text[hit.start:hit.end]}' at position {hit.start} "
                                 f"{_refusal(hit)}")


def check_name(policy: Policy, field: str, name: str, what: str) -> None:
    hit = policy.blocklist.find(name) if name else None
    if hit:
        raise FailedPrecondition(f"{field}: {what} '{name}' {_refusal(hit)}")


def _refusal(hit) -> str:
    alias = f"'{hit.alias}' (an alias of '{hit.rule.name}')" if hit.alias != hit.rule.name else f"'{hit.rule.name}'"
    return f"matches the blocked name {alias}, refused by the content policy ({hit.rule.source})"


def image_check_for(policy: Policy, wish: str) -> str:
    """The request's image check: its wish when it has one, which a locked policy only lets
    tighten; else the policy's. Needs an installed checker for anything but "off"."""
    from .image_check import image_checker

    if wish and wish not in IMAGE_CHECKS:
        raise InvalidArgument("image_check", f"'{wish}' is not a choice; use '' (the policy's), "
                              + ", ".join(f"'{c}'" for c in IMAGE_CHECKS))
    mode = wish or policy.image_check
    if policy.locked and IMAGE_CHECKS.index(mode) < IMAGE_CHECKS.index(policy.image_check):
        raise FailedPrecondition(f"image_check: '{wish}' would loosen the content policy, which whoever "
                                 f"runs this daemon has locked at '{policy.image_check}'; leave image_check "
                                 f"empty or ask for something at least as strict")
    if mode != "off":
        checker = image_checker()
        if checker is None or not checker.installed:
            why = checker.why_missing() if checker else "this daemon has no models folder to find one in"
            asked = "this request asks" if wish else "the content policy asks"
            raise FailedPrecondition(f"image_check: {asked} for an image check ('{mode}') but {why}; "
                                     "no image is made that cannot be checked")
    return mode
