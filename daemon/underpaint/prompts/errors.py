"""A prompt that cannot be read: the message names the token and its position (0-based,
in characters of the text as sent)."""

from __future__ import annotations


class PromptError(ValueError):
    def __init__(self, token: str, position: int, problem: str):
        super().__init__(f"'{token}' at position {position}: {problem}")
        self.token = token
        self.position = position
        self.problem = problem
