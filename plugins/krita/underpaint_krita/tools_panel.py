"""The "Upscale, edit, keyframes" section: Upscale the selection (or the whole image) with the
daemon's upscalers, Edit (no mask) from one prompt to another, and restyle the keyframes of an
animated layer with one frozen noise. Widgets only; ToolsController does the work.
"""

from . import tool_requests
from .qt import (QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton,
                 QWidget)


def _fraction(value, tooltip):
    box = QDoubleSpinBox()
    box.setRange(0.05, 1.0)
    box.setSingleStep(0.05)
    box.setValue(value)
    box.setToolTip(tooltip)
    return box


class ToolsPanel(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)

        # Upscale
        self.upscaler = QComboBox()
        self.upscaler.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.upscaler.setMinimumContentsLength(10)
        self.factor = QComboBox()
        for factor in tool_requests.UPSCALE_FACTORS:
            self.factor.addItem("×%d" % factor, factor)
        row = QHBoxLayout()
        row.addWidget(self.upscaler, 1)
        row.addWidget(self.factor)
        form.addRow("Upscaler", row)
        self.refine = QCheckBox("Refine with the model")
        self.refine.setToolTip("After enlarging, the model re-renders the picture tile by tile with the prompt "
                               "(GOBIG): more detail, slower")
        self.refine_strength = _fraction(0.35, "How much the model may change each tile")
        row = QHBoxLayout()
        row.addWidget(self.refine, 1)
        row.addWidget(self.refine_strength)
        form.addRow(row)
        self.target = QComboBox()
        self.target.addItem("Scale the image to fit", "scale")
        self.target.addItem("Open as a new document", "new")
        self.target.setToolTip("Scale the image: every layer is scaled by the factor and the result is added "
                               "on top. New document: this image stays as it is")
        self.upscale_button = QPushButton("Upscale")
        self.upscale_button.setToolTip("The selection's area, or the whole image without a selection")
        row = QHBoxLayout()
        row.addWidget(self.target, 1)
        row.addWidget(self.upscale_button)
        form.addRow(row)

        # Edit (no mask)
        self.edit_from = QLineEdit()
        self.edit_from.setPlaceholderText("the layer's prompt, else the Prompt field")
        self.edit_from.setToolTip("What the picture shows now. Empty: the prompt that made the active layer "
                                  "when the history knows it, else the Prompt field")
        form.addRow("Edit from", self.edit_from)
        self.edit_to = QLineEdit()
        self.edit_to.setPlaceholderText("what it should show instead")
        self.edit_button = QPushButton("Edit (no mask)")
        self.edit_button.setToolTip("Finds the noise that makes the picture, then paints it again with the new "
                                    "prompt: only what the change touches changes. On the selection, or the "
                                    "whole image; the result is a new layer")
        row = QHBoxLayout()
        row.addWidget(self.edit_to, 1)
        row.addWidget(self.edit_button)
        form.addRow("to", row)

        # Keyframes
        self.frame_strength = _fraction(0.5, "How much each frame may change")
        self.keyframes_button = QPushButton("Restyle keyframes")
        self.keyframes_button.setToolTip("Every keyframe of the animated layer, with the prompt and one frozen "
                                         "noise: what changes between frames is what you drew. The result is a "
                                         "group with one layer per frame")
        row = QHBoxLayout()
        row.addWidget(self.frame_strength)
        row.addWidget(self.keyframes_button, 1)
        form.addRow("Frames", row)
        self.note = QLabel()
        self.note.setWordWrap(True)
        form.addRow(self.note)
        self.show_listing(None, ())

    def show_listing(self, listing, capabilities):
        """Offer what the daemon has: its upscalers (Lanczos always), and say when it is too old."""
        wanted = self.upscaler.currentData() or ""
        upscalers = [a for a in listing.add_ons if a.type == "upscaler"] if listing is not None else []
        self.upscaler.clear()
        self.upscaler.addItem("Lanczos (no network)", "")
        for addon in upscalers:
            label = addon.display_name or addon.id
            if addon.scale:
                label += " ×%d" % addon.scale
            if addon.is_demo and "random" not in label:
                label += " (random weights)"
            self.upscaler.addItem(label, addon.id)
        self.upscaler.setCurrentIndex(max(self.upscaler.findData(wanted), 0))
        connected = listing is not None
        can = {tool: connected and not tool_requests.missing(tool, capabilities)
               for tool in ("upscale", "refine_upscale", "edit", "keyframes")}
        for widget in (self.upscaler, self.factor, self.target, self.upscale_button):
            widget.setEnabled(can["upscale"])
        for widget in (self.refine, self.refine_strength):
            widget.setEnabled(can["refine_upscale"])
        for widget in (self.edit_from, self.edit_to, self.edit_button):
            widget.setEnabled(can["edit"])
        for widget in (self.frame_strength, self.keyframes_button):
            widget.setEnabled(can["keyframes"])
        too_old = [tool for tool in ("upscale", "edit", "keyframes") if connected and not can[tool]]
        self.note.setText("This daemon is too old for %s: update it." % ", ".join(too_old) if too_old else "")
        self.enabled = can

    def set_busy(self, busy):
        can = getattr(self, "enabled", {})
        self.upscale_button.setEnabled(not busy and can.get("upscale", False))
        self.edit_button.setEnabled(not busy and can.get("edit", False))
        self.keyframes_button.setEnabled(not busy and can.get("keyframes", False))

    def show_frames(self, done, total):
        self.note.setText("Frame %d of %d done" % (done, total) if done else "%d frames sent" % total)

    def upscale_options(self):
        """(factor, upscaler id, its label, refine, refine strength, target) for ToolsController.upscale."""
        return (self.factor.currentData(), self.upscaler.currentData() or "",
                self.upscaler.currentText() if self.upscaler.currentData() else "Lanczos",
                self.refine.isChecked() and self.refine.isEnabled(), round(self.refine_strength.value(), 2),
                self.target.currentData())
