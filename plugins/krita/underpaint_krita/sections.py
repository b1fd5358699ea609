"""A section of the docker that folds away under its header (the arrow button), so the panel fits
a laptop screen with the rarely used parts closed. Whether it is open is remembered per section.
"""

from .qt import QSizePolicy, Qt, QToolButton, QVBoxLayout, QWidget, pyqtSignal


class CollapsibleSection(QWidget):
    toggled = pyqtSignal(bool)  # open?

    def __init__(self, title, body, expanded=False, parent=None):
        super().__init__(parent)
        self.header = QToolButton()
        self.header.setText(title)
        self.header.setCheckable(True)
        self.header.setAutoRaise(True)
        self.header.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.header.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.header.setStyleSheet("QToolButton { font-weight: bold; text-align: left; }")
        self.body = body
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(self.header)
        column.addWidget(body)
        self.header.toggled.connect(self._show)
        self.setExpanded(expanded)
        self._show(expanded)

    def isExpanded(self):
        return self.header.isChecked()

    def setExpanded(self, expanded):
        self.header.setChecked(bool(expanded))  # toggled -> _show when it changes

    def setTitle(self, title):
        self.header.setText(title)

    def title(self):
        return self.header.text()

    def _show(self, expanded):
        self.header.setArrowType(Qt.ArrowType.DownArrow if expanded else Qt.ArrowType.RightArrow)
        self.body.setVisible(expanded)
        self.toggled.emit(expanded)


def section_setting_key(name):
    return "section_%s_open" % name
