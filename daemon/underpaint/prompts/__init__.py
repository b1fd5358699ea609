"""A1111's prompt language, read the way A1111 reads it, and turned into text-encoder input.

The flow, one module per step:
    extra_networks  <lora:NAME:WEIGHT> tags are taken out of the text (the add-on checks use them)
    composable      "a AND b :0.5" -> sub-prompts with weights (composable diffusion)
    schedule        [from:to:when] and [a|b] -> which text applies at which sampling step
    attention       (x) [x] (x:w) BREAK -> text fragments with weights
    chunks          fragments -> 75-token chunks of token ids and per-token weights
    encoder         chunks -> prompt_embeds (+ pooled for SDXL), weights applied A1111's way
    conditioning    all of it for one job: embeddings per sub-prompt and step, and the UNet hook
                    that switches them while sampling
Only `encoder` and `conditioning` need torch.
"""

from .errors import PromptError  # noqa: F401
