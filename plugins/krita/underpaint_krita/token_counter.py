"""The token counter under the prompt: "68/75 · 2 chunks", with what each chunk holds in the
tooltip, so the artist sees what a long prompt does before generating. Asked of the daemon
(TokenizePrompt reads the prompt exactly as a job would) a moment after typing stops, on a worker
thread; an answer that arrives after a newer edit is dropped.
"""

import threading

from .qt import QApplication, QLabel, QObject, QTimer, is_deleted, pyqtSignal

CAPABILITY = "tokenize_prompt"
QUIET_MS = 300  # after the last key press


class TokenCounter(QObject):
    _answered = pyqtSignal(int, str, str)  # edit number, label, tooltip (worker -> UI thread)

    def __init__(self, connection, prompt_edit, model_combo, parent=None):
        super().__init__(parent)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setStyleSheet("font-size: small; color: gray;")
        self.label.setVisible(False)  # until a daemon that counts answered
        self._connection, self._prompt, self._model = connection, prompt_edit, model_combo
        self._enabled = False
        self._edits = 0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(QUIET_MS)
        self._timer.timeout.connect(self._ask)
        self._answered.connect(self._show)
        self._closing = False  # Krita is quitting: a late answer must not reach a deleted object
        QApplication.instance().aboutToQuit.connect(self._close)
        prompt_edit.textChanged.connect(self._changed)
        model_combo.currentIndexChanged.connect(self._changed)

    def set_capabilities(self, capabilities):
        """Counts only where the daemon can (an older daemon: the line says nothing)."""
        self._enabled = CAPABILITY in capabilities
        self.label.setVisible(self._enabled)
        self._changed()

    def _close(self, *_args):
        self._closing = True
        self._timer.stop()

    def _changed(self, *_args):
        self._edits += 1
        if self._enabled:
            self._timer.start()

    def _ask(self):
        if self._closing or is_deleted(self._prompt):
            return
        edit, text, model = self._edits, self._prompt.toPlainText(), self._model.currentData() or ""

        def work():
            from underpaint_kit import prompts

            try:
                response = self._connection.daemon().tokenize_prompt(text, model)
                answer = (edit, prompts.counter_label(response), "\n".join(prompts.chunk_lines(response)))
            except Exception as error:  # a prompt the daemon refuses: say why, where
                answer = (edit, "⚠ %s" % error, str(error))
            if not self._closing and not is_deleted(self):
                self._answered.emit(*answer)

        threading.Thread(target=work, name="underpaint-tokens", daemon=True).start()

    def _show(self, edit, text, tooltip):
        if edit != self._edits:
            return  # typed on meanwhile: a newer answer is coming
        self.label.setText(text)
        self.label.setToolTip(tooltip)
