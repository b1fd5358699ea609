"""The "Faces" section: fix faces after every generation (re-render with the model, then restore
with GFPGAN/CodeFormer), or on what is already painted with the two buttons (the selection's
area, or the whole image without a selection; the result comes back as a new layer on top).
"""

from .qt import QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QHBoxLayout, QLabel, QPushButton, QWidget

CAPABILITY_RESTORE = "face_restore"
CAPABILITY_RERENDER = "face_rerender"


class FacesPanel(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        self.rerender_after = QCheckBox("Re-render faces after generating")
        self.rerender_after.setToolTip("The model paints each face again at full resolution (ADetailer)")
        self.restore_after = QCheckBox("Restore faces after generating")
        self.restore_after.setToolTip("A face restorer (GFPGAN, CodeFormer…) cleans each face up")
        form.addRow(self.rerender_after)
        form.addRow(self.restore_after)
        self.restorer = QComboBox()
        self.restorer.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.restorer.setMinimumContentsLength(10)
        form.addRow("Restorer", self.restorer)
        self.strength = QDoubleSpinBox()
        self.strength.setRange(0.05, 1.0)
        self.strength.setSingleStep(0.05)
        self.strength.setValue(0.4)
        self.strength.setToolTip("How much a re-render may change each face")
        form.addRow("Re-render strength", self.strength)
        row = QHBoxLayout()
        self.restore_button = QPushButton("Restore faces")
        self.rerender_button = QPushButton("Re-render faces")
        for button in (self.restore_button, self.rerender_button):
            button.setToolTip("On the selection's area, or the whole image without a selection; "
                              "the result is a new layer")
            row.addWidget(button)
        form.addRow(row)
        self.note = QLabel()
        self.note.setWordWrap(True)
        form.addRow(self.note)
        self.show_listing(None, ())

    def show_listing(self, listing, capabilities):
        """Offer what the daemon can do: restorers from its ListModels (None: not connected)."""
        wanted = self.restorer.currentData() or ""
        restorers = [a for a in listing.add_ons if a.type == "face_restorer"] if listing is not None else []
        self.restorer.clear()
        self.restorer.addItem("first installed", "")
        for addon in restorers:
            label = addon.display_name or addon.id
            if addon.is_demo and "random" not in label:
                label += " (random weights)"
            if addon.license:
                label += " (%s)" % addon.license
            self.restorer.addItem(label, addon.id)
        self.restorer.setCurrentIndex(max(self.restorer.findData(wanted), 0))
        can_restore = CAPABILITY_RESTORE in capabilities and bool(restorers)
        can_rerender = CAPABILITY_RERENDER in capabilities
        for widget in (self.restore_after, self.restore_button, self.restorer):
            widget.setEnabled(can_restore)
        for widget in (self.rerender_after, self.rerender_button, self.strength):
            widget.setEnabled(can_rerender)
        if not can_restore:
            self.restore_after.setChecked(False)
        if not can_rerender:
            self.rerender_after.setChecked(False)
        if listing is None:
            self.note.setText("")
        elif not can_rerender:
            self.note.setText("This daemon is too old for face tools: update it.")
        elif not restorers:
            self.note.setText("Restoring needs a face restorer (e.g. GFPGANv1.4.pth) in the daemon's "
                              "models/face_restorers; re-rendering uses the model itself.")
        else:
            self.note.setText("")

    def options(self):
        """(rerender after, restore after, restorer id, re-render strength) for PanelSettings."""
        return (self.rerender_after.isChecked() and self.rerender_after.isEnabled(),
                self.restore_after.isChecked() and self.restore_after.isEnabled(),
                self.restorer.currentData() or "", round(self.strength.value(), 2))
