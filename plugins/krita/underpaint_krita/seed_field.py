"""The seed row: shows "random" while unlocked; Lock keeps a seed (the last one used, so the same
picture can be made again), ⟳ picks and locks a new one, typing a number locks it too."""

from . import planning
from .qt import QCheckBox, QDoubleSpinBox, QHBoxLayout, QToolButton, QWidget

RANDOM = -1


class SeedField(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.spin = QDoubleSpinBox()  # QSpinBox stops at 2**31 - 1; daemon seeds go beyond
        self.spin.setDecimals(0)
        self.spin.setRange(RANDOM, planning.MAX_SEED)
        self.spin.setSpecialValueText("random")  # shown at the minimum (-1)
        self.spin.setValue(RANDOM)
        self.lock = QCheckBox("Lock")
        self.lock.setToolTip("Locked: reuse this seed. Unlocked: a new random seed each time.")
        self.reroll = QToolButton()
        self.reroll.setText("⟳")
        self.reroll.setToolTip("New random seed (and lock it)")
        row.addWidget(self.spin, 1)
        row.addWidget(self.lock)
        row.addWidget(self.reroll)
        self.last_seed = None  # the seed of the latest job, offered when the artist locks
        self._quiet = False
        self.lock.toggled.connect(self._on_lock)
        self.reroll.clicked.connect(self._reroll)
        self.spin.valueChanged.connect(self._on_typed)

    def value(self):
        """The seed to send: the locked one, or -1 (random)."""
        return int(self.spin.value()) if self.lock.isChecked() and self.spin.value() >= 0 else RANDOM

    def remember(self, seed):
        """A job used this seed: keep it for Lock and mention it in the tooltip."""
        if seed is None or not 0 <= seed <= planning.MAX_SEED:
            return
        self.last_seed = seed
        self.spin.setToolTip("Last seed used: %d (Lock to reuse it)" % seed)

    def _set(self, value):
        self._quiet = True
        try:
            self.spin.setValue(value)
        finally:
            self._quiet = False

    def _on_lock(self, locked):
        if not locked:
            self._set(RANDOM)
        elif self.spin.value() < 0:
            self._set(self.last_seed if self.last_seed is not None else planning.reroll_seed())

    def _on_typed(self, value):
        if not self._quiet and value >= 0 and not self.lock.isChecked():
            self.lock.setChecked(True)  # a seed typed by hand is meant to be used

    def _reroll(self):
        self._set(planning.reroll_seed())
        self.lock.setChecked(True)
