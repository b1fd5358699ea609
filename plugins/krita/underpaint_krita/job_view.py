"""What the panel shows about its job: queue position, a progress bar that ends full ("Done"),
the step previews replaced by the result once it lands, and the message for the artist."""

from .qt import QImage, QLabel, QPixmap, QProgressBar, Qt, QVBoxLayout, QWidget

PREVIEW_SIZE = 192
_ENDINGS = {"succeeded": "Done · %p %", "cancelled": "Cancelled", "failed": "Failed"}


class JobView(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        self.queue_label = QLabel()
        self.queue_label.hide()
        column.addWidget(self.queue_label)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat("Ready")
        column.addWidget(self.progress)
        self.preview = QLabel()
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.hide()  # takes room only once there is something to show
        column.addWidget(self.preview)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        column.addWidget(self.message)
        self.showing_result = False  # the preview holds the finished result, not a step preview

    def started_busy(self):
        self.message.setText("Working…")
        self.progress.setFormat("%p %")
        self.progress.setRange(0, 0)  # busy indicator until the first step arrives
        self.showing_result = False

    def queued(self, position):
        self.queue_label.setText("Queued: %d job(s) ahead" % position if position else "Queued: next")
        self.queue_label.show()

    def running(self):
        self.queue_label.setText("Running")

    def step(self, step, total):
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(step)

    def show_image(self, width, height, rgba, is_result=False):
        image = QImage(rgba, width, height, width * 4, QImage.Format.Format_RGBA8888).copy()
        pixmap = QPixmap.fromImage(image).scaled(
            PREVIEW_SIZE, PREVIEW_SIZE, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
        )
        self.preview.setPixmap(pixmap)
        self.preview.setToolTip("The result (%d×%d)" % (width, height) if is_result else "Preview of the current step")
        self.preview.show()
        self.showing_result = is_result

    def finished(self, status, message):
        self.queue_label.hide()
        self.message.setText(message)
        self.progress.setRange(0, 1)
        self.progress.setFormat(_ENDINGS.get(status, status))
        if status == "succeeded":
            self.progress.setValue(1)  # full: the job is done (not back to an empty bar)
        else:
            self.progress.setValue(0)
            if not self.showing_result:  # a half-denoised step preview is not a result
                self.preview.clear()
                self.preview.hide()
