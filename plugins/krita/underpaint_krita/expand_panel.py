"""The Expand section: grow the canvas by four labelled margins, or by one click per side."""

from .qt import QGridLayout, QHBoxLayout, QLabel, QPushButton, QSpinBox, QToolButton, QVBoxLayout, QWidget

SIDES = ("left", "top", "right", "bottom")
# Arrows keep the one-click row narrow enough for a docked panel; the tooltip says the side.
_ARROWS = {"left": "◀", "top": "▲", "right": "▶", "bottom": "▼"}


def _pixels(minimum, maximum, value):
    box = QSpinBox()
    box.setRange(minimum, maximum)
    box.setValue(value)
    box.setSuffix(" px")
    return box


class ExpandPanel(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        grid = QGridLayout()
        self.margins = {}
        self.margin_labels = {}
        for index, side in enumerate(SIDES):
            label = QLabel(side.capitalize())
            box = _pixels(0, 4096, 0)
            box.setToolTip("Grow the canvas on the %s by this much" % side)
            label.setBuddy(box)
            row, col = divmod(index, 2)
            grid.addWidget(label, row, col * 2)
            grid.addWidget(box, row, col * 2 + 1)
            self.margins[side], self.margin_labels[side] = box, label
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        column.addLayout(grid)
        self.expand_button = QPushButton("Expand by these margins")
        self.expand_button.setToolTip("Grow the canvas by the margins above and paint the new area")
        column.addWidget(self.expand_button)

        quick = QHBoxLayout()
        quick.addWidget(QLabel("One click:"))
        self.extend_amount = _pixels(8, 4096, 256)
        self.extend_amount.setToolTip("How much one click adds")
        quick.addWidget(self.extend_amount, 1)
        self.extend_buttons = {}
        for side in SIDES:
            button = QToolButton()
            button.setText(_ARROWS[side])
            button.setToolTip("Extend %s: add the amount on the %s and paint it" % (side, side))
            self.extend_buttons[side] = button
            quick.addWidget(button)
        column.addLayout(quick)

    def margin_values(self):
        return tuple(self.margins[side].value() for side in SIDES)

    def set_busy(self, busy):
        self.expand_button.setEnabled(not busy)
        for button in self.extend_buttons.values():
            button.setEnabled(not busy)
