"""The archive: every result kept and findable (History), and the lexicon of named styles."""

from .lexicon import Lexicon
from .service import ArchiveHooks, HistoryService, LexiconService
from .store import ArchiveStore

__all__ = ["ArchiveHooks", "ArchiveStore", "HistoryService", "Lexicon", "LexiconService"]
