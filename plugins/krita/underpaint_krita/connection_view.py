"""The connection row at the top of the panel: a light, a one-line status that wraps instead of
being cut off (the whole text is also its tooltip), and the address / token fields folded into a
section that opens while the panel is not connected and closes once it is."""

from .qt import QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QSizePolicy, QToolButton, QVBoxLayout, QWidget
from .sections import CollapsibleSection

LIGHT = {"ok": "#3c3", "error": "#d33", "unknown": "#999", "busy": "#db3"}


class ConnectionView(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.light = QLabel("●")
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.MinimumExpanding)
        self.connect_button = QPushButton("Connect")
        self.connect_button.setToolTip("Connect (again) to the Underpaint daemon")
        row.addWidget(self.light)
        row.addWidget(self.text, 1)
        row.addWidget(self.connect_button)
        column.addLayout(row)
        self.note = QLabel()  # e.g. "only the demo model": its own full-width line
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #db3;")
        self.note.hide()
        column.addWidget(self.note)

        details = QWidget()
        form = QFormLayout(details)
        form.setContentsMargins(0, 0, 0, 0)
        self.address = QLineEdit()
        self.address.setPlaceholderText("automatic (daemon.json, else 127.0.0.1:50052)")
        form.addRow("Address", self.address)
        token_row = QHBoxLayout()
        self.token_file = QLineEdit()
        self.token_file.setPlaceholderText("only for a daemon on another machine")
        self.token_browse = QToolButton()
        self.token_browse.setText("…")
        self.token_browse.setToolTip("Choose the daemon's token file")
        token_row.addWidget(self.token_file, 1)
        token_row.addWidget(self.token_browse)
        form.addRow("Token file", token_row)
        self.details = CollapsibleSection("Connection settings", details, expanded=True)
        column.addWidget(self.details)
        self.token_browse.clicked.connect(self._browse_token)

    def show_state(self, state, text, note=""):
        """state: ok | error | busy | unknown. Connected folds the settings away; a failure opens them."""
        self.light.setStyleSheet("color: %s; font-size: 16px;" % LIGHT[state])
        self.text.setText(text)
        self.text.setToolTip(text + ("\n" + note if note else ""))
        self.note.setText(note)
        self.note.setVisible(bool(note))
        if state == "ok":
            self.details.setExpanded(False)
        elif state == "error":
            self.details.setExpanded(True)

    def _browse_token(self):
        path, _filter = QFileDialog.getOpenFileName(self, "Underpaint token file")
        if path:
            self.token_file.setText(path)
