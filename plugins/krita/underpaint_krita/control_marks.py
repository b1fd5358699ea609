"""Control layers as data: which layers of a document steer its generations, how (a ControlNet
type or "reference" for an IP-Adapter), how strongly and over which part of the schedule.
Plain Python (no Krita, no Qt): tested in plain pytest.

Marks name their layer by its unique id (it survives renaming, moving and a save/reopen of the
.kra) and are kept in the document itself as a Krita annotation, so the file carries them.
"""

import json
from dataclasses import asdict, dataclass

NOTE_KIND = "underpaint_control_layers"
NOTE_DESCRIPTION = "Underpaint control layers: layers that steer generations (ControlNet, IP-Adapter)"
REFERENCE = "reference"
MAX_STRENGTH = 2.0  # the protocol's range (docs/controls.md)


@dataclass
class ControlMark:
    layer_id: str  # the layer's unique id
    type: str  # a ControlNet type (canny, scribble, depth, ...) or "reference"
    strength: float = 1.0
    start: float = 0.0
    end: float = 1.0

    def summary(self):
        """"scribble 0.80", with the part of the schedule when it is not all of it."""
        text = "%s %.2f" % (self.type, self.strength)
        if self.type != REFERENCE and (self.start > 0 or self.end < 1):
            text += " (%d–%d %%)" % (round(self.start * 100), round(self.end * 100))
        return text

    def describe(self, layer_name):
        return "%s · %s" % (layer_name, self.summary())


def check_mark(mark):
    """The mark, or ValueError naming the field, for values the daemon would refuse."""
    if not mark.type:
        raise ValueError("type: pick a control type")
    if not 0.0 <= mark.strength <= MAX_STRENGTH:
        raise ValueError("strength: expected 0 to %g, got %g" % (MAX_STRENGTH, mark.strength))
    for name in ("start", "end"):
        if not 0.0 <= getattr(mark, name) <= 1.0:
            raise ValueError("%s: expected 0 to 1, got %g" % (name, getattr(mark, name)))
    if mark.type != REFERENCE and mark.start >= mark.end:
        raise ValueError("end: must be after start (%d %%), got %d %%" % (round(mark.start * 100), round(mark.end * 100)))
    return mark


def encode(marks):
    """Marks as bytes to keep in the document (b"" for none: the note is removed)."""
    return json.dumps([asdict(mark) for mark in marks]).encode("utf-8") if marks else b""


def decode(data):
    """[ControlMark] from encode's bytes; entries that are unreadable or out of range are skipped
    (the file may come from another version of the plugin, or be damaged)."""
    try:
        items = json.loads(bytes(data).decode("utf-8")) if data else []
    except ValueError:
        return []
    marks = []
    for item in items if isinstance(items, list) else []:
        try:
            mark = ControlMark(str(item["layer_id"]), str(item["type"]), float(item.get("strength", 1.0)),
                               float(item.get("start", 0.0)), float(item.get("end", 1.0)))
            marks.append(check_mark(mark))
        except (TypeError, KeyError, ValueError, AttributeError):
            continue
    return marks


def with_mark(marks, mark):
    """The marks with `mark` added, replacing an earlier mark of the same layer (a layer steers
    one way at a time), in the order the marks were first made."""
    check_mark(mark)
    out, replaced = [], False
    for old in marks:
        if old.layer_id == mark.layer_id:
            out.append(mark)
            replaced = True
        else:
            out.append(old)
    return out if replaced else out + [mark]


def without_layer(marks, layer_id):
    return [mark for mark in marks if mark.layer_id != layer_id]


def offered_types(types_for_model):
    """The type picker's entries, from the kit's control_types_for_model: ControlNet types in the
    kit's order, then "reference" when an IP-Adapter fits."""
    from underpaint_kit import controls

    kinds = [kind for kind in controls.CONTROL_TYPES if kind in types_for_model]
    if REFERENCE in types_for_model:
        kinds.append(REFERENCE)
    return kinds
