"""The "Advanced" section: steps, guidance, seed, and how a selection is grown, feathered and
given context. Widgets only; the docker reads their values into PanelSettings."""

from .qt import QDoubleSpinBox, QFormLayout, QSpinBox, QWidget
from .seed_field import SeedField


def spin(minimum, maximum, value, special=None, suffix=""):
    box = QSpinBox()
    box.setRange(minimum, maximum)
    box.setValue(value)
    if special:
        box.setSpecialValueText(special)  # shown at the minimum, which means "default"
    if suffix:
        box.setSuffix(suffix)
    return box


class AdvancedPanel(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        self.steps = spin(0, 150, 0, special="default")
        self.guidance = QDoubleSpinBox()
        self.guidance.setRange(0.0, 30.0)
        self.guidance.setSingleStep(0.5)
        self.guidance.setSpecialValueText("default")
        form.addRow("Steps", self.steps)
        form.addRow("Guidance", self.guidance)
        self.seed_field = SeedField()
        form.addRow("Seed", self.seed_field)
        self.grow = spin(0, 512, 0, suffix=" px")
        self.grow.setToolTip("Grow the selection by this much")
        form.addRow("Grow", self.grow)
        self.feather = spin(-1, 512, 0, special="hard", suffix=" px")
        self.feather.setToolTip("Soft edge width; 0 = automatic")
        form.addRow("Feather", self.feather)
        self.context = QDoubleSpinBox()
        self.context.setRange(0.0, 4.0)
        self.context.setSingleStep(0.25)
        self.context.setSpecialValueText("auto")
        self.context.setToolTip("Surroundings the model sees, as a fraction of the selection size")
        form.addRow("Context", self.context)
