""""Train embedding from selected layers": the selected layers (each read at the document's size)
become the pictures of a textual-inversion job; the new word, its starting word and the steps come
from three fields. The job runs through the panel's JobController (progress bar, Cancel, message
line, which shows the loss); on success the add-on lists are reloaded so the word can be picked.

Lives in the "Upscale, edit, keyframes, history" section (folded, it adds no height).
"""

from . import document
from .qt import QHBoxLayout, QLabel, QLineEdit, QObject, QPushButton, QSpinBox, QVBoxLayout, QWidget, pyqtSignal

DEFAULT_STEPS = 500


class TrainingPanel(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.token = QLineEdit()
        self.token.setPlaceholderText("new word")
        self.token.setToolTip("The embedding's name: write it in a prompt to use it (letters, digits, _ - .)")
        self.init_word = QLineEdit()
        self.init_word.setPlaceholderText("starts as (cat)")
        self.init_word.setToolTip("A word close to the thing: training starts from its meaning (empty: '*')")
        self.steps = QSpinBox()
        self.steps.setRange(1, 20000)
        self.steps.setValue(DEFAULT_STEPS)
        self.steps.setToolTip("Training steps; each shows its loss. Cancel keeps what was learned so far")
        row.addWidget(self.token, 1)
        row.addWidget(self.init_word, 1)
        row.addWidget(self.steps)
        column.addLayout(row)
        self.train_button = QPushButton("Train embedding from selected layers")
        self.train_button.setToolTip("3 to 50 layers of one thing (select them in the Layers docker), each read "
                                     "at the document's size, which must be at least 64×64; saved in the "
                                     "daemon's models/embeddings")
        column.addWidget(self.train_button)
        self.note = QLabel()
        self.note.setWordWrap(True)
        column.addWidget(self.note)
        self.show_capabilities(None)

    def show_capabilities(self, capabilities):
        from underpaint_kit import training

        can = capabilities is not None and training.CAPABILITY in capabilities
        for widget in (self.token, self.init_word, self.steps, self.train_button):
            widget.setEnabled(can)
        self.note.setText("This daemon is too old to train embeddings: update it."
                          if capabilities is not None and not can else "")
        self.enabled = can

    def set_busy(self, busy):
        self.train_button.setEnabled(self.enabled and not busy)


def selected_layers(doc):
    """The layers selected in the Layers docker (Krita's view), else the active layer alone."""
    try:
        from krita import Krita

        window = Krita.instance().activeWindow()
        view = window.activeView() if window is not None else None
        nodes = list(view.selectedNodes()) if view is not None else []
    except Exception:  # no window (headless Krita): the active layer
        nodes = []
    if not nodes and doc is not None and doc.activeNode() is not None:
        nodes = [doc.activeNode()]
    return [n for n in nodes if n.type() not in ("grouplayer", "transparencymask", "selectionmask",
                                                 "filtermask", "colorizemask", "transformmask")]


class TrainingTool(QObject):
    loss = pyqtSignal(int, int, float)  # step, total, loss (hops from the job's thread)

    def __init__(self, docker, jobs, panel):
        super().__init__(docker)
        self.docker, self.jobs, self.panel = docker, jobs, panel
        self.last_losses = []  # (step, total, loss) of the latest training, for the status line and tests
        self.loss.connect(self._show_loss)
        self.selected_layers = selected_layers  # tests put their own layer picks here
        self.running = False  # a training job of this panel is running

    def train(self, doc, settings):
        """Starts the job; False when refused at once (the reason goes to the message line)."""
        from underpaint_kit import training

        if self.jobs.busy:
            return self._refuse("A job from this panel is still running; cancel it or wait.")
        if doc is None:
            return self._refuse("Open or create a document first.")
        try:
            document.check_color_space(doc)
            width, height = document.document_size(doc)
            layers = self.selected_layers(doc)
            if not training.MIN_IMAGES <= len(layers) <= training.MAX_IMAGES:
                raise ValueError("select %d to %d layers of one thing in the Layers docker (%d selected)"
                                 % (training.MIN_IMAGES, training.MAX_IMAGES, len(layers)))
            pictures = [training.crop_to_multiple(width, height, document.read_node_region(node, (0, 0, width, height)))
                        for node in layers]
            request = training.train_request(pictures, token=self.panel.token.text().strip(),
                                             init_word=self.panel.init_word.text(), steps=self.panel.steps.value(),
                                             model=settings.model, client="krita")
        except (document.DocumentError, ValueError) as error:
            return self._refuse("Training: %s" % error)
        token = request.train.token
        self.last_losses = []

        def make_runner(daemon, request, **callbacks):
            return training.TrainingRunner(daemon, request, on_loss=self.loss.emit, **callbacks)

        def apply(_doc, results):
            self.jobs.check_connection()  # reloads the add-on lists: the new word can be picked now
            note = results[0].note if results and results[0].note else ""
            return "the embedding \"%s\": write %s in a prompt%s" % (token, token, " (%s)" % note if note else "")

        context = {"doc": doc, "prompt": "", "operation": "train", "apply": apply, "runner": make_runner}
        self.jobs._launch(request, context)
        self.running = True
        return True

    def _show_loss(self, step, total, loss):
        self.last_losses.append((step, total, loss))
        self.docker._show_message("Training: step %d/%d, loss %.4f" % (step, total, loss))

    def _refuse(self, message):
        self.jobs.refused.emit(message)
        return False
