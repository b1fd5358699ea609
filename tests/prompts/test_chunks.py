"""Chunking as A1111 does it (sd_hijack_clip.tokenize_line), with the real CLIP tokenizer:
75 tokens a chunk, a comma within 20 tokens moves the phrase after it, BREAK pads."""

from __future__ import annotations

from underpaint.prompts.attention import parse_attention
from underpaint.prompts.chunks import padded, token_texts, tokenize_fragments


def chunks_of(tokenizer, text):
    return tokenize_fragments(tokenizer, parse_attention(text))


def test_single_token_words_are_single_tokens(clip_tokenizer):
    assert len(clip_tokenizer("red cat , sky", add_special_tokens=False)["input_ids"]) == 4


def test_200_tokens_without_commas_make_75_75_50(clip_tokenizer):
    chunks = chunks_of(clip_tokenizer, " ".join(["red", "cat", "sky", "tree"] * 50))
    assert [len(c.ids) for c in chunks] == [75, 75, 50]
    assert token_texts(clip_tokenizer, chunks[1].ids[:4]) == ["tree", "red", "cat", "sky"]  # token 76 starts chunk 2


def test_200_tokens_with_a_near_comma_move_the_phrase(clip_tokenizer):
    # 70 words, a comma, then words: chunk 1 fills at 75 with 4 words after the comma; the 76th
    # token finds the comma 5 back (<= 20), so those 4 words open chunk 2.
    words = ["cat"] * 70 + [","] + ["dog"] * 129
    chunks = chunks_of(clip_tokenizer, " ".join(words))
    assert [len(c.ids) for c in chunks] == [71, 75, 54]
    assert token_texts(clip_tokenizer, chunks[0].ids[-1:]) == [","]
    assert token_texts(clip_tokenizer, chunks[1].ids[:1]) == ["dog"]
    assert sum(len(c.ids) for c in chunks) == 200


def test_a_far_comma_does_not_move_anything(clip_tokenizer):
    words = ["cat"] * 50 + [","] + ["dog"] * 149  # 25 tokens back: beyond the 20-token backtrack
    assert [len(c.ids) for c in chunks_of(clip_tokenizer, " ".join(words))] == [75, 75, 50]


def test_a_comma_as_token_76_opens_the_next_chunk(clip_tokenizer):
    words = ["cat"] * 75 + [","] + ["dog"] * 3
    chunks = chunks_of(clip_tokenizer, " ".join(words))
    assert [len(c.ids) for c in chunks] == [75, 4]
    assert token_texts(clip_tokenizer, chunks[1].ids[:1]) == [","]


def test_break_pads_to_the_next_chunk(clip_tokenizer):
    chunks = chunks_of(clip_tokenizer, "red cat BREAK blue sky BREAK BREAK green")
    assert [token_texts(clip_tokenizer, c.ids) for c in chunks] == [["red", "cat"], ["blue", "sky"], [], ["green"]]


def test_weights_follow_their_tokens_across_chunks(clip_tokenizer):
    chunks = chunks_of(clip_tokenizer, " ".join(["cat"] * 74) + " (red sky:1.5) dog")
    assert chunks[0].weights[-1] == 1.5 and chunks[1].weights == [1.5, 1.0]


def test_padding_uses_the_tokenizers_end_and_pad(clip_tokenizer, tmp_path):
    from transformers import CLIPTokenizer

    from underpaint.models.tokenizers import clip_vocab, write_tokenizer

    ids, weights = padded(chunks_of(clip_tokenizer, "(cat:2)")[0], clip_tokenizer)
    assert len(ids) == len(weights) == 77
    assert ids[:3] == [49406, clip_tokenizer.convert_tokens_to_ids("cat</w>"), 49407] and set(ids[3:]) == {49407}
    assert weights[:3] == [1.0, 2.0, 1.0]
    vocab, merges = clip_vocab()
    openclip = CLIPTokenizer.from_pretrained(write_tokenizer(tmp_path, vocab, merges, pad_token="!"))
    ids, _ = padded(chunks_of(openclip, "cat")[0], openclip)
    assert ids[2] == 49407 and set(ids[3:]) == {0}  # SD 2.x / SDXL's second encoder pad with "!"
    # and that is what diffusers feeds the encoder for a short prompt
    assert ids == openclip("cat", padding="max_length", max_length=77)["input_ids"]


def test_empty_prompt_is_one_empty_chunk(clip_tokenizer):
    chunks = chunks_of(clip_tokenizer, "")
    assert len(chunks) == 1 and chunks[0].ids == []
