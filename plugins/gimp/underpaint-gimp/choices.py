"""The dialogs' pickers filled from the daemon's live lists (models, VAEs, upscalers, styles,
this image's history): [(nick, id, label)], first the entry that means "none / default".

GimpChoice nicks must be stable, lower-case identifiers, so they are derived from the ids (which
may hold slashes, dots and spaces) and de-duplicated. No Gimp import here.
"""

from __future__ import annotations

# The nick of each picker's first entry ("none" / "the default").
DEFAULT_MODEL_NICK = "daemon-default"
DEFAULT_VAE_NICK = "model-own"
DEFAULT_UPSCALER_NICK = "lanczos"
NO_STYLE_NICK = "no-style"
LATEST_ENTRY_NICK = "latest"


def vae_choices(add_ons) -> list:
    """[(nick, vae_id, label)] for the dialog's VAE choice; the model's own comes first."""
    choices = [(DEFAULT_VAE_NICK, "", "The model's own")]
    used = {DEFAULT_VAE_NICK}
    for addon in add_ons:
        if addon.type != "vae":
            continue
        label = addon.display_name or addon.id
        if addon.is_demo and "random weights" not in label.lower():
            label += " (random weights)"
        if addon.architecture:
            label += f" [{addon.architecture}]"
        choices.append((_nick("v-", addon.id, used), addon.id, label))
    return choices


def model_choices(models) -> list:
    """[(nick, model_id, label)] for the dialog's model choice; the daemon default comes first.

    GimpChoice nicks must be stable, lower-case identifiers, so they are derived from the
    model id (which may hold slashes and dots) and de-duplicated."""
    choices = [(DEFAULT_MODEL_NICK, "", "Daemon default")]
    used = {DEFAULT_MODEL_NICK}
    for model in models:
        label = model.display_name or model.id
        # The daemon's demo names already say so; add it only where a name does not.
        if getattr(model, "is_demo", False) and "random weights" not in label.lower():
            label += " (random weights)"
        choices.append((_nick("m-", model.id, used), model.id, label))
    return choices


def _nick(prefix: str, item_id: str, used: set) -> str:
    """A stable, lower-case GimpChoice nick for an id (which may hold slashes, dots, spaces)."""
    base = prefix + "".join(c if c.isalnum() else "-" for c in item_id.lower()).strip("-")
    nick, n = base, 2
    while nick in used:
        nick, n = f"{base}-{n}", n + 1
    used.add(nick)
    return nick


def upscaler_choices(add_ons) -> list:
    """[(nick, upscaler_id, label)] for the dialog's upscaler choice; Lanczos (no network) first."""
    choices = [(DEFAULT_UPSCALER_NICK, "", "Lanczos (no upscaler network)")]
    used = {DEFAULT_UPSCALER_NICK}
    for addon in add_ons:
        if addon.type != "upscaler":
            continue
        label = addon.display_name or addon.id
        if addon.scale:
            label += f" (\u00d7{addon.scale:g})"
        if addon.is_demo and "random weights" not in label.lower():
            label += " (random weights)"
        choices.append((_nick("u-", addon.id, used), addon.id, label))
    return choices


def style_choices(styles) -> list:
    """[(nick, style name, label)] for the dialog's style choice; "no style" first."""
    choices = [(NO_STYLE_NICK, "", "No style")]
    used = {NO_STYLE_NICK}
    for style in styles:
        choices.append((_nick("s-", style.name, used), style.name, style.name))
    return choices


def entry_choices(entries) -> list:
    """[(nick, entry_id, label)] for "place again": this image's latest first, then each entry
    by its prompt, seed and id (newest first)."""
    choices = [(LATEST_ENTRY_NICK, "", "The latest result of this image")]
    used = {LATEST_ENTRY_NICK}
    for entry in entries:
        prompt = entry.parameters.prompt or "(no prompt)"
        if len(prompt) > 48:
            prompt = prompt[:47] + "\u2026"
        label = f"{prompt} (seed {entry.parameters.seed}, {entry.width}x{entry.height}) [{entry.id}]"
        choices.append((_nick("e-", entry.id, used), entry.id, label))
    return choices

