"""Reading and changing single keys of kritarc (a KConfig INI file) without disturbing the rest.

configparser would rewrite the whole file (case, spacing, comments, duplicate keys Krita
tolerates), so this edits lines: a key is replaced in place, or added at the end of its group,
or the group is appended. Keys before the first [group] belong to KConfig's default group.
"""

from __future__ import annotations

import re
from pathlib import Path

_GROUP = re.compile(r"^\s*\[(?P<name>[^\]]*)\]\s*$")
DEFAULT_GROUP = ""


def read_value(text: str, group: str, key: str) -> str | None:
    for current, line in _lines_with_groups(text):
        if current == group:
            found = _key_value(line)
            if found and found[0] == key:
                return found[1]
    return None


def set_value(text: str, group: str, key: str, value: str) -> str:
    lines = text.splitlines(keepends=True)
    newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    entry = f"{key}={value}{newline}"
    last_in_group = None
    for index, (current, line) in enumerate(_lines_with_groups(text)):
        if current != group:
            continue
        found = _key_value(line)
        if found and found[0] == key:
            lines[index] = entry
            return "".join(lines)
        if line.strip() and not _GROUP.match(line):
            last_in_group = index
        elif _GROUP.match(line):
            last_in_group = index
    if last_in_group is not None:
        lines.insert(last_in_group + 1, entry)
        return "".join(lines)
    if group == DEFAULT_GROUP:
        return entry + "".join(lines)
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += newline
    separator = newline if lines and lines[-1].strip() else ""
    return "".join(lines) + f"{separator}[{group}]{newline}{entry}"


def remove_key(text: str, group: str, key: str) -> str:
    lines = text.splitlines(keepends=True)
    keep = [line for (current, line) in _lines_with_groups(text)
            if not (current == group and (_key_value(line) or ("",))[0] == key)]
    return "".join(keep) if len(keep) != len(lines) else text


def resource_directory(kritarc: Path) -> Path | None:
    """Krita's resource folder when the user moved it (default group, key ResourceDirectory)."""
    try:
        text = kritarc.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    value = read_value(text, DEFAULT_GROUP, "ResourceDirectory")
    return Path(value.replace("\\\\", "\\")) if value else None


def _lines_with_groups(text: str):
    group = DEFAULT_GROUP
    for line in text.splitlines(keepends=True):
        match = _GROUP.match(line)
        if match:
            group = match.group("name")
        yield group, line


def _key_value(line: str):
    if "=" not in line or line.lstrip().startswith(("#", "[")):
        return None
    key, value = line.split("=", 1)
    return key.strip(), value.strip()
