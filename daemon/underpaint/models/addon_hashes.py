"""The short hashes A1111 writes into its infotext for add-ons, so other tools can find them.

LoRA ("Lora hashes"): the first 12 hex digits of sha256 over a .safetensors file's tensor data,
after its header (kohya/AddNet's hash: metadata edits do not change it); the file's own
`sshs_model_hash` when it carries one. Embedding ("TI hashes"): 12 digits of sha256 of the
file. VAE ("VAE hash"): 10 digits of sha256 of the file, like "Model hash".
"""

from __future__ import annotations

import hashlib
import struct
import threading
from pathlib import Path

from underpaint.models.addon_detect import read_header

_memo: dict[tuple, str] = {}
_lock = threading.Lock()


def addon_hash(entry) -> str:
    path = Path(entry.path)
    if path.is_dir():
        weights = sorted(path.glob("*.safetensors"))
        if not weights:
            return ""
        path = weights[0]
    try:
        stat = path.stat()
    except OSError:
        return ""
    key = (str(path), stat.st_size, stat.st_mtime_ns, entry.type)
    with _lock:
        if key in _memo:
            return _memo[key]
    if entry.type == "lora":
        value = _lora_hash(path)[:12]
    else:
        value = _sha256(path, 0)[: 12 if entry.type == "embedding" else 10]
    with _lock:
        _memo[key] = value
    return value


def _lora_hash(path: Path) -> str:
    if path.suffix.lower() != ".safetensors":
        return _sha256(path, 0)
    _, metadata = read_header(path)
    if metadata.get("sshs_model_hash"):
        return metadata["sshs_model_hash"]
    with open(path, "rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
    return _sha256(path, 8 + length)


def _sha256(path: Path, offset: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        f.seek(offset)
        while chunk := f.read(16 * 1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def infotext_fields(plan) -> dict:
    """format_infotext's add-on arguments for a job's AddonPlan (models.addons)."""
    if plan is None:
        return {}
    def clean(name: str) -> str:  # A1111 drops the list's separators from names
        return name.replace(":", "").replace(",", "")

    loras = [u for u in plan.loras if u.weight != 0]
    fields = {
        "lora_hashes": ", ".join(f"{clean(u.entry.id)}: {addon_hash(u.entry)}" for u in loras),
        "ti_hashes": ", ".join(f"{clean(p.entry.id)}: {addon_hash(p.entry)}" for p in plan.embeddings),
        # LoRAs asked for in the request list, written as the prompt tags other tools read
        "extra_prompt": "".join(f"<lora:{u.entry.id}:{u.weight:g}>" for u in plan.loras if u.field != "prompt"),
    }
    if plan.vae is not None:
        fields.update(vae=Path(plan.vae.path).name, vae_hash=addon_hash(plan.vae))
    return fields
