"""Textual inversion on a loaded SD 1.x / 2.x model: learns the vectors of one new word from a
few pictures, leaving every weight of the model untouched.

The new word never enters the shared tokenizer or embedding table while it trains: prompts are
built from token ids with placeholder positions, and a forward hook on the text encoder's token
embedding puts the trainable vectors there. Gradients are taken for those vectors only
(torch.autograd.grad), so no model parameter accumulates a gradient. The saved file is A1111's
safetensors layout ({"emb_params": (vectors, width)}), which the add-on index already reads.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

# A1111's "subject" style templates: a few phrasings so the word learns the thing, not one sentence.
TEMPLATES = ("a photo of a {}", "a rendering of a {}", "a cropped photo of the {}", "a close-up photo of a {}",
             "a bright photo of the {}", "a good photo of a {}", "a picture of a {}", "{}")


@dataclass
class Trainer:
    pipe: object                  # the loaded model's txt2img pipeline
    vectors: torch.Tensor         # (n, width) float32, requires grad
    latents: torch.Tensor         # (images, c, h, w) scaled latents of the training pictures
    prompts: torch.Tensor         # (templates, 77) token ids with placeholders
    positions: list               # per template: the index of the first placeholder
    noise_scheduler: object
    optimizer: torch.optim.Optimizer
    generator: torch.Generator
    prediction_type: str

    def step(self) -> float:
        """One optimisation step on one random picture, phrasing, noise and timestep; returns its loss."""
        g = self.generator
        i = int(torch.randint(len(self.latents), (1,), generator=g))
        k = int(torch.randint(len(self.prompts), (1,), generator=g))
        noise = torch.randn(self.latents[i:i + 1].shape, generator=g)
        t = int(torch.randint(self.noise_scheduler.config.num_train_timesteps, (1,), generator=g))
        with torch.enable_grad():
            loss = self._loss(self.vectors, i, k, noise, t)
            (grad,) = torch.autograd.grad(loss, [self.vectors])
        self.vectors.grad = grad
        self.optimizer.step()
        self.vectors.grad = None
        return float(loss.detach())

    @torch.no_grad()
    def evaluate(self, vectors: torch.Tensor | None = None, draws: int = 8) -> float:
        """The mean loss of `vectors` (default: the current ones) over fixed draws (every picture,
        timesteps spread over the schedule, noise from a fixed seed): unlike the per-step loss,
        two calls compare like with like, so they show whether training helped."""
        g = torch.Generator().manual_seed(0)
        total_t = self.noise_scheduler.config.num_train_timesteps
        vectors = self.vectors if vectors is None else vectors
        losses = []
        for d in range(draws):
            i = d % len(self.latents)
            noise = torch.randn(self.latents[i:i + 1].shape, generator=g)
            t = int((d + 0.5) * total_t / draws)
            losses.append(float(self._loss(vectors, i, d % len(self.prompts), noise, t)))
        return sum(losses) / len(losses)

    def _loss(self, vectors, i: int, k: int, noise, t: int) -> torch.Tensor:
        pipe = self.pipe
        latents = self.latents[i:i + 1]
        device = latents.device
        noise = noise.to(device, latents.dtype)
        t = torch.tensor([t], device=device)
        noisy = self.noise_scheduler.add_noise(latents, noise, t)
        v_prediction = self.prediction_type == "v_prediction"
        target = self.noise_scheduler.get_velocity(latents, noise, t) if v_prediction else noise
        start, n = self.positions[k], len(vectors)

        def put_vectors(module, args, output):
            output = output.clone()
            output[:, start:start + n] = vectors.to(output.dtype)
            return output

        hook = pipe.text_encoder.get_input_embeddings().register_forward_hook(put_vectors)
        try:
            states = pipe.text_encoder(self.prompts[k:k + 1].to(device))[0]
            pred = pipe.unet(noisy, t, encoder_hidden_states=states).sample
        finally:
            hook.remove()
        return torch.nn.functional.mse_loss(pred.float(), target.float())


def make_trainer(pipe, pictures: list[np.ndarray], init_word: str, vectors: int, learning_rate: float,
                 seed: int) -> Trainer:
    from diffusers import DDPMScheduler

    from underpaint.errors import InvalidArgument

    tokenizer, encoder = pipe.tokenizer, pipe.text_encoder
    device = next(encoder.parameters()).device
    init_ids = tokenizer(init_word, add_special_tokens=False).input_ids
    if not init_ids:
        raise InvalidArgument("train.init_word", f"'{init_word}' encodes to no token; use a plain word")
    table = encoder.get_input_embeddings().weight
    with torch.no_grad():
        init = table[torch.tensor(init_ids, device=table.device)].float()
    # As A1111: vector i starts from the initialiser's token i, repeating it when it is shorter.
    start = torch.stack([init[i % len(init)] for i in range(vectors)]).to(device)
    trained = start.clone().requires_grad_(True)
    prompts, positions = _prompt_ids(tokenizer, init_ids[0], vectors)
    with torch.no_grad():
        latents = _encode(pipe, pictures, device)
    config = pipe.scheduler.config
    return Trainer(pipe=pipe, vectors=trained, latents=latents, prompts=prompts, positions=positions,
                   noise_scheduler=DDPMScheduler.from_config(config),
                   optimizer=torch.optim.AdamW([trained], lr=learning_rate, weight_decay=0.0),
                   generator=torch.Generator().manual_seed(seed),
                   prediction_type=config.get("prediction_type", "epsilon"))


def _prompt_ids(tokenizer, placeholder_id: int, vectors: int) -> tuple[torch.Tensor, list[int]]:
    length = tokenizer.model_max_length
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    rows, positions = [], []
    for template in TEMPLATES:
        before, after = template.split("{}")
        head = tokenizer(before.strip(), add_special_tokens=False).input_ids if before.strip() else []
        tail = tokenizer(after.strip(), add_special_tokens=False).input_ids if after.strip() else []
        ids = [tokenizer.bos_token_id] + head + [placeholder_id] * vectors + tail + [tokenizer.eos_token_id]
        ids = ids[:length] + [pad] * (length - len(ids))
        rows.append(ids)
        positions.append(1 + len(head))
    return torch.tensor(rows, dtype=torch.long), positions


def _encode(pipe, pictures: list[np.ndarray], device) -> torch.Tensor:
    vae = pipe.vae
    dtype = next(vae.parameters()).dtype
    out = []
    for picture in pictures:
        x = torch.from_numpy(picture).permute(2, 0, 1).unsqueeze(0).to(device, dtype) / 127.5 - 1.0
        out.append(vae.encode(x).latent_dist.mean * vae.config.scaling_factor)
    return torch.cat(out)


def save_embedding(path: Path, vectors: torch.Tensor, token: str, step: int, model) -> None:
    """Writes A1111's safetensors layout atomically: a reader never sees half a file."""
    from safetensors.torch import save_file

    from underpaint.models import demo

    metadata = {"name": token, "step": str(step), "sd_checkpoint_name": model.id,
                demo.META_ARCHITECTURE: model.architecture}
    if model.is_demo:
        metadata[demo.META_DEMO] = "true"
        metadata[demo.META_DESCRIPTION] = f"trained on the random-weights demo model ({step} steps); for testing"
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    save_file({"emb_params": vectors.detach().float().cpu().contiguous()}, str(partial), metadata=metadata)
    os.replace(partial, path)
