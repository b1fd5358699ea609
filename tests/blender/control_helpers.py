"""Small helpers of control_checks.py (inside real Blender): per-pass settings, the daemon's
infotext about the controls it used, and a layout that records what a panel draws."""
import re


class RecordingLayout:
    """Stands in for a UILayout: records the property names drawn, in order."""

    def __init__(self, props=None):
        self.props = [] if props is None else props
        self.enabled = True

    def prop(self, data, name, **kwargs):
        self.props.append(name)

    def column(self, **kwargs):
        return RecordingLayout(self.props)

    row = column

    def label(self, *args, **kwargs):
        pass

    separator = operator = label


def set_schedule(controls, kind, strength, start, end):
    setattr(controls, f"{kind}_strength", strength)
    setattr(controls, f"{kind}_start", start)
    setattr(controls, f"{kind}_end", end)


def infotext_controls(infotext):
    """[[weight, start, end], ...] from the daemon's 'ControlNet N: "... Weight: w, Guidance Start: s,
    Guidance End: e"' infotext entries: what the daemon used, in order."""
    found = re.findall(r'ControlNet \d+: "[^"]*Weight: ([\d.]+)[^"]*Guidance Start: ([\d.]+), '
                       r'Guidance End: ([\d.]+)', infotext)
    return [[round(float(v), 3) for v in entry] for entry in found]
