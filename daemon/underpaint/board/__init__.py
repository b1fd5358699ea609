"""The board: named channels of images that hosts pass to each other through the daemon."""

from .service import BoardService
from .store import BoardStore, check_channel

__all__ = ["BoardService", "BoardStore", "check_channel"]
