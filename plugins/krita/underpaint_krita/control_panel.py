"""The "Control layers" section: mark layers of the document as controls (a sketch, line art, a
depth map through a ControlNet; a picture through an IP-Adapter as "reference"), list them, and
unmark them. The marks live in the document (control_marks.py), so the .kra carries them; every
Generate (and each live update) sends the marked layers' pixels with the request.
"""

from . import control_marks, document
from .control_marks import ControlMark
from .qt import (QComboBox, QDoubleSpinBox, QFormLayout, QHBoxLayout, QLabel, QListWidget, QListWidgetItem,
                 QPushButton, QSpinBox, Qt, QWidget, pyqtSignal)

CAPABILITY_CONTROLS = "controls"
CAPABILITY_REFERENCE = "reference_images"
TYPE_LABELS = {"canny": "canny (edges of the layer)", "scribble": "scribble", "lineart": "line art",
               "softedge": "soft edge", "depth": "depth map", "normal": "normal map", "pose": "pose skeleton",
               "segmentation": "segmentation", "tile": "tile (details)", "inpaint": "inpaint",
               "mlsd": "straight lines (mlsd)", control_marks.REFERENCE: "reference (IP-Adapter)"}


def _percent_spin(value, suffix=" %"):
    box = QSpinBox()
    box.setRange(0, 100)
    box.setValue(value)
    box.setSuffix(suffix)
    return box


class ControlPanel(QWidget):
    message = pyqtSignal(str)  # what a click did, or why it did nothing
    marks_changed = pyqtSignal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.supported = False
        self._marks_by_id = {}  # the listed marks, to show a picked entry's settings
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        self.note = QLabel()
        self.note.setWordWrap(True)
        form.addRow(self.note)
        self.list = QListWidget()
        self.list.setMaximumHeight(72)  # three entries show; more scroll
        self.list.setToolTip("The control layers of this document; hidden layers count too")
        form.addRow(self.list)
        self.type = QComboBox()
        self.type.setToolTip("How the layer steers: a ControlNet type, or a reference picture (IP-Adapter)")
        form.addRow("Type", self.type)
        self.strength = QDoubleSpinBox()
        self.strength.setRange(0.0, control_marks.MAX_STRENGTH)
        self.strength.setSingleStep(0.05)
        self.strength.setValue(1.0)
        self.strength.setToolTip("0 = no effect; 1 = as trained")
        form.addRow("Strength", self.strength)
        schedule = QHBoxLayout()
        self.start = _percent_spin(0)
        self.end = _percent_spin(100)
        for box in (self.start, self.end):
            box.setToolTip("The part of the steps the control acts on: a late start leaves the "
                           "composition free, an early end leaves the details free")
        schedule.addWidget(self.start)
        schedule.addWidget(QLabel("to"))
        schedule.addWidget(self.end)
        form.addRow("Steps", schedule)
        buttons = QHBoxLayout()
        self.mark_button = QPushButton("Mark active layer")
        self.mark_button.setToolTip("Make the active layer a control layer with these settings "
                                    "(again on a marked layer: update it)")
        self.unmark_button = QPushButton("Unmark")
        self.unmark_button.setToolTip("The layer picked in the list stops being a control layer")
        buttons.addWidget(self.mark_button, 1)
        buttons.addWidget(self.unmark_button)
        form.addRow(buttons)
        self.list.currentRowChanged.connect(self._show_picked)
        self.show_listing(None, "", ())

    # --- what the daemon offers -------------------------------------------------------------

    def show_listing(self, listing, model_id, capabilities):
        """Offer the control types that fit the chosen model (None: not connected yet)."""
        from underpaint_kit import controls

        wanted = self.type.currentData() or ""
        self.supported = CAPABILITY_CONTROLS in capabilities
        kinds = []
        if listing is not None and self.supported:
            try:
                kinds = control_marks.offered_types(controls.control_types_for_model(listing, model_id))
            except ValueError:  # the model is not in the listing (yet)
                kinds = []
            if CAPABILITY_REFERENCE not in capabilities:
                kinds = [k for k in kinds if k != control_marks.REFERENCE]
        self.type.clear()
        for kind in kinds:
            self.type.addItem(TYPE_LABELS.get(kind, kind), kind)
        self.type.setCurrentIndex(max(self.type.findData(wanted), 0))
        if listing is None:
            self.note.setText("")
        elif not self.supported:
            self.note.setText("This daemon is too old for control layers: update it.")
        elif not kinds:
            self.note.setText("No ControlNet or IP-Adapter fits this model: add them to the daemon's "
                              "models/controlnet and models/ipadapter (docs/controls.md).")
        else:
            self.note.setText("")
        self.note.setVisible(bool(self.note.text()))  # no empty gap above the list
        self.mark_button.setEnabled(bool(kinds))

    # --- the document's marks ------------------------------------------------------------------

    def marks(self, doc):
        """The marks of `doc` whose layers still exist; none when the daemon cannot use them."""
        if doc is None or not self.supported:
            return []
        return [m for m in self._stored(doc) if document.find_node(doc, m.layer_id) is not None]

    def mark_layer(self, doc, node=None):
        """Mark the active layer (or `node`) with the widgets' settings. False if refused."""
        try:
            if doc is None:
                raise ValueError("Open or create a document first.")
            if not self.type.currentData():
                raise ValueError("Control layers: connect to a daemon that offers a control type first.")
            node = node or doc.activeNode()
            if node is None:
                raise ValueError("Pick a layer in the Layers docker first.")
            mark = ControlMark(document.node_id(node), self.type.currentData(), round(self.strength.value(), 2),
                               self.start.value() / 100.0, self.end.value() / 100.0)
            marks = control_marks.with_mark(self._stored(doc), mark)
        except ValueError as error:
            self.message.emit(str(error))
            return False
        self._store(doc, marks)
        self.message.emit("\"%s\" is a control layer: %s." % (node.name(), mark.summary()))
        return True

    def unmark(self, doc, layer_id=None):
        """Unmark the layer picked in the list (or `layer_id`). False when nothing was picked."""
        item = self.list.currentItem()
        layer_id = layer_id or (item.data(Qt.ItemDataRole.UserRole) if item is not None else None)
        if doc is None or not layer_id:
            self.message.emit("Pick a control layer in the list first.")
            return False
        self._store(doc, control_marks.without_layer(self._stored(doc), layer_id))
        return True

    def refresh(self, doc):
        """Show `doc`'s control layers (the active document changed, or its marks did)."""
        picked = self.list.currentItem().data(Qt.ItemDataRole.UserRole) if self.list.currentItem() else None
        stored = self._stored(doc) if doc is not None else []
        self._marks_by_id = {m.layer_id: m for m in stored}
        self.list.clear()
        for mark in stored:
            node = document.find_node(doc, mark.layer_id)
            if node is None:
                continue
            item = QListWidgetItem(mark.describe(node.name()) + ("" if node.visible() else " (hidden)"))
            item.setData(Qt.ItemDataRole.UserRole, mark.layer_id)
            self.list.addItem(item)
            if mark.layer_id == picked:
                self.list.setCurrentItem(item)

    def count(self):
        return self.list.count()

    def _show_picked(self, _row):
        """Picking an entry shows its settings, so Mark updates it."""
        item = self.list.currentItem()
        mark = self._marks_by_id.get(item.data(Qt.ItemDataRole.UserRole)) if item else None
        if mark is None:
            return
        index = self.type.findData(mark.type)
        if index >= 0:
            self.type.setCurrentIndex(index)
        self.strength.setValue(mark.strength)
        self.start.setValue(round(mark.start * 100))
        self.end.setValue(round(mark.end * 100))

    @staticmethod
    def _stored(doc):
        return control_marks.decode(document.read_note(doc, control_marks.NOTE_KIND))

    def _store(self, doc, marks):
        # Marks of deleted layers are dropped here; the note is saved with the .kra.
        marks = [m for m in marks if document.find_node(doc, m.layer_id) is not None]
        document.write_note(doc, control_marks.NOTE_KIND, control_marks.NOTE_DESCRIPTION, control_marks.encode(marks))
        self.refresh(doc)
        self.marks_changed.emit()
