"""The content policy in force, read from policy.toml (set by whoever runs the daemon).

    image_check = "blur"                # "off" (default), "blur" or "block" flagged images
    blocked_terms = ["Jane Doe | Джейн Доу", "some term"]   # "|" separates aliases of one rule
    blocklists = ["builtin:celebrities", "school-names.txt"] # files: one rule per line
    locked = true                       # requests cannot loosen image_check

Where it comes from: `serve --policy FILE`, else policy.toml in the config folder, else the
built-in default, which enforces nothing (the daemon behaves as it did before policies existed).
A file that cannot be used stops the daemon at start with a message naming the file and key: a
policy that silently fell back to "nothing enforced" would be worse than none.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

from .blocklist import Blocklist, PolicyFileError, read_blocklist, rule_from_text

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10 hosts need the tomli backport
    try:
        import tomli as tomllib
    except ImportError:
        tomllib = None

FILE_NAME = "policy.toml"
BUILTIN_PREFIX = "builtin:"
BUILTIN_DIR = Path(__file__).parent / "blocklists"
IMAGE_CHECKS = ("off", "blur", "block")  # from loosest to strictest
_KEYS = {"image_check", "blocked_terms", "blocklists", "locked"}


@dataclass
class Policy:
    image_check: str = "off"
    locked: bool = False
    blocklist: Blocklist = field(default_factory=lambda: Blocklist([]))
    source: str = ""                                    # the file, "" = built-in default
    lists: list[tuple[str, int]] = field(default_factory=list)  # (blocklist, rules) for `policy show`
    blocked_terms: int = 0                              # rules from blocked_terms itself

    @property
    def enforces_nothing(self) -> bool:
        return self.image_check == "off" and not len(self.blocklist)

    def describe(self) -> str:
        """Several lines for people (`underpaint policy show`, the daemon's log)."""
        lines = [f"policy: {self.source or 'built-in default (nothing enforced)'}",
                 f"  image_check: {self.image_check}" + (" (locked: requests cannot loosen it)" if self.locked
                                                         else " (requests may ask for another)"),
                 f"  blocked names and terms: {len(self.blocklist)}"]
        if self.blocked_terms:
            lines.append(f"    {self.blocked_terms} from blocked_terms")
        lines += [f"    {count} from {name}" for name, count in self.lists]
        return "\n".join(lines)


def builtin_blocklists() -> list[str]:
    return sorted(p.stem for p in BUILTIN_DIR.glob("*.txt"))


def find_policy_file(config_dir: Path, explicit: Path | None = None) -> Path | None:
    if explicit is not None:
        return Path(explicit)
    candidate = Path(config_dir) / FILE_NAME
    return candidate if candidate.exists() else None


def load_policy(path: Path | None) -> Policy:
    """The policy in `path`, or the built-in default for None. Raises PolicyFileError."""
    if path is None:
        return Policy()
    path = Path(path).absolute()
    if tomllib is None:
        raise PolicyFileError(f"{path}: reading TOML needs Python 3.11 or the tomli package")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PolicyFileError(f"policy file {path}: cannot read it ({exc.strerror or exc})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise PolicyFileError(f"policy file {path}: not valid TOML ({exc})") from None
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise PolicyFileError(f"policy file {path}: unknown key {unknown[0]!r}; the keys are "
                              f"{', '.join(sorted(_KEYS))}")
    image_check = data.get("image_check", "off")
    if image_check not in IMAGE_CHECKS:
        raise PolicyFileError(f"policy file {path}: image_check = {image_check!r}; use one of "
                              f"{', '.join(repr(c) for c in IMAGE_CHECKS)}")
    locked = data.get("locked", False)
    if not isinstance(locked, bool):
        raise PolicyFileError(f"policy file {path}: locked must be true or false")
    terms = _strings(data, "blocked_terms", path)
    rules = [rule_from_text(t, f"blocked_terms[{i}] in {path}") for i, t in enumerate(terms)]
    lists = []
    for entry in _strings(data, "blocklists", path):
        list_path, label = _blocklist_path(entry, path)
        list_rules = read_blocklist(list_path, label)
        lists.append((label, len(list_rules)))
        rules += list_rules
    return Policy(image_check=image_check, locked=locked, blocklist=Blocklist(rules), source=str(path),
                  lists=lists, blocked_terms=len(terms))


def _strings(data: dict, key: str, path: Path) -> list[str]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise PolicyFileError(f"policy file {path}: {key} must be a list of strings")
    return value


def _blocklist_path(entry: str, policy_path: Path) -> tuple[Path, str]:
    if entry.startswith(BUILTIN_PREFIX):
        name = entry[len(BUILTIN_PREFIX):]
        path = BUILTIN_DIR / f"{name}.txt"
        if not path.is_file():
            raise PolicyFileError(f"policy file {policy_path}: blocklists: no built-in list {name!r}; "
                                  f"there are {', '.join(builtin_blocklists())}")
        return path, f"built-in {name}"
    path = Path(entry).expanduser()
    if not path.is_absolute():
        path = policy_path.parent / path  # relative to the policy file, wherever the daemon starts
    if not path.is_file():
        raise PolicyFileError(f"policy file {policy_path}: blocklists: {path} does not exist")
    return path, str(path)
