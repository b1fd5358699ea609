"""The Underpaint docker panel (Settings > Dockers > Underpaint). Widgets and wiring only:
the work happens in JobController, the document access in document.py.
"""

from krita import DockWidget, Krita

from . import planning
from .board_panel import BoardPanel
from .controller import JobController
from .live_links import LiveLinks
from .qt import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QImage,
    QLabel,
    QLineEdit,
    QPixmap,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSlider,
    QSpinBox,
    Qt,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

DOCKER_ID = "underpaint_docker"
DOCKER_TITLE = "Underpaint"
SETTINGS_GROUP = "underpaint"
PREVIEW_SIZE = 192
_LIGHT = {"ok": "#3c3", "error": "#d33", "unknown": "#999", "busy": "#db3"}


def _read_setting(key, default=""):
    return Krita.instance().readSetting(SETTINGS_GROUP, key, default)


def _write_setting(key, value):
    Krita.instance().writeSetting(SETTINGS_GROUP, key, str(value))


def _spin(minimum, maximum, value, special=None, suffix=""):
    box = QSpinBox()
    box.setRange(minimum, maximum)
    box.setValue(value)
    if special:
        box.setSpecialValueText(special)  # shown at the minimum, which means "default"
    if suffix:
        box.setSuffix(suffix)
    return box


class UnderpaintDocker(DockWidget):
    def __init__(self):
        super().__init__()
        self.setWindowTitle(DOCKER_TITLE)
        self.setObjectName(DOCKER_ID)
        self.controller = JobController(parent=self)
        self.live_links = LiveLinks(self.controller.connection, parent=self)
        self.live_links.watch_documents()
        self._build()
        self._wire()
        self._load_settings()
        self._set_busy(False)
        self._set_light("unknown", "Not connected yet.")
        self.controller.check_connection()
        QApplication.instance().aboutToQuit.connect(self.controller.shutdown)
        QApplication.instance().aboutToQuit.connect(self.live_links.shutdown)

    # --- layout -----------------------------------------------------------------------------

    def _build(self):
        root = QWidget(self)
        layout = QVBoxLayout(root)

        connection = QGroupBox("Daemon")
        form = QFormLayout(connection)
        self.light = QLabel("●")
        self.connection_text = QLabel()
        self.connection_text.setWordWrap(True)
        status_row = QHBoxLayout()
        status_row.addWidget(self.light)
        status_row.addWidget(self.connection_text, 1)
        self.connect_button = QPushButton("Connect")
        status_row.addWidget(self.connect_button)
        form.addRow(status_row)
        self.address = QLineEdit()
        self.address.setPlaceholderText("automatic (daemon.json, else 127.0.0.1:50052)")
        form.addRow("Address", self.address)
        token_row = QHBoxLayout()
        self.token_file = QLineEdit()
        self.token_file.setPlaceholderText("only for a daemon on another machine")
        self.token_browse = QToolButton()
        self.token_browse.setText("…")
        token_row.addWidget(self.token_file, 1)
        token_row.addWidget(self.token_browse)
        form.addRow("Token file", token_row)
        layout.addWidget(connection)

        form = QFormLayout()
        self.model = QComboBox()
        form.addRow("Model", self.model)
        self.prompt = QPlainTextEdit()
        self.prompt.setPlaceholderText("Describe what to paint")
        self.prompt.setMaximumHeight(80)
        form.addRow("Prompt", self.prompt)
        self.negative = QPlainTextEdit()
        self.negative.setPlaceholderText("What to avoid")
        self.negative.setMaximumHeight(50)
        form.addRow("Negative", self.negative)

        strength_row = QHBoxLayout()
        self.strength = QSlider(Qt.Orientation.Horizontal)
        self.strength.setRange(1, 100)
        self.strength.setValue(100)
        self.strength_label = QLabel()
        strength_row.addWidget(self.strength, 1)
        strength_row.addWidget(self.strength_label)
        form.addRow("Strength", strength_row)

        self.steps = _spin(0, 150, 0, special="default")
        self.guidance = QDoubleSpinBox()
        self.guidance.setRange(0.0, 30.0)
        self.guidance.setSingleStep(0.5)
        self.guidance.setSpecialValueText("default")
        steps_row = QHBoxLayout()
        steps_row.addWidget(self.steps)
        steps_row.addWidget(QLabel("Guidance"))
        steps_row.addWidget(self.guidance)
        form.addRow("Steps", steps_row)

        seed_row = QHBoxLayout()
        self.seed = QDoubleSpinBox()  # QSpinBox stops at 2**31 - 1; daemon seeds go beyond
        self.seed.setDecimals(0)
        self.seed.setRange(0, planning.MAX_SEED)
        self.seed_lock = QCheckBox("Lock")
        self.seed_lock.setToolTip("Locked: reuse this seed. Unlocked: a new random seed each time.")
        self.reroll = QToolButton()
        self.reroll.setText("⟳")
        self.reroll.setToolTip("New random seed (and lock it)")
        seed_row.addWidget(self.seed, 1)
        seed_row.addWidget(self.seed_lock)
        seed_row.addWidget(self.reroll)
        form.addRow("Seed", seed_row)

        self.count = _spin(1, 16, 1)
        form.addRow("Variations", self.count)

        mask_row = QHBoxLayout()
        self.grow = _spin(0, 512, 0, suffix=" px")
        self.grow.setToolTip("Grow the selection by this much")
        self.feather = _spin(-1, 512, 0, special="hard", suffix=" px")
        self.feather.setToolTip("Soft edge width; 0 = automatic")
        self.context = QDoubleSpinBox()
        self.context.setRange(0.0, 4.0)
        self.context.setSingleStep(0.25)
        self.context.setSpecialValueText("auto")
        self.context.setToolTip("Surroundings the model sees, as a fraction of the selection size")
        for label, widget in (("Grow", self.grow), ("Feather", self.feather), ("Context", self.context)):
            mask_row.addWidget(QLabel(label))
            mask_row.addWidget(widget)
        form.addRow(mask_row)
        layout.addLayout(form)

        buttons = QHBoxLayout()
        self.generate_button = QPushButton("Generate")
        self.generate_button.setToolTip(
            "No selection: the whole canvas. Selection: fill it. Strength below 100 %: refine."
        )
        self.cancel_button = QPushButton("Cancel")
        buttons.addWidget(self.generate_button, 1)
        buttons.addWidget(self.cancel_button)
        layout.addLayout(buttons)

        expand = QGroupBox("Expand canvas")
        expand_layout = QVBoxLayout(expand)
        margins_row = QHBoxLayout()
        self.margins = {}
        for side in ("left", "top", "right", "bottom"):
            self.margins[side] = _spin(0, 4096, 0, suffix=" px")
            self.margins[side].setToolTip("Grow the canvas on the %s by this much" % side)
            margins_row.addWidget(self.margins[side])
        self.expand_button = QPushButton("Expand")
        margins_row.addWidget(self.expand_button)
        expand_layout.addLayout(margins_row)
        quick_row = QHBoxLayout()
        self.extend_amount = _spin(8, 4096, 256, suffix=" px")
        quick_row.addWidget(QLabel("One click:"))
        quick_row.addWidget(self.extend_amount)
        self.extend_buttons = {}
        for side, text in (("left", "Extend left"), ("top", "Extend top"), ("right", "Extend right"), ("bottom", "Extend bottom")):
            button = QToolButton()
            button.setText(text)
            self.extend_buttons[side] = button
            quick_row.addWidget(button)
        expand_layout.addLayout(quick_row)
        layout.addWidget(expand)

        self.board = BoardPanel(self.controller, self._show_message, _read_setting, _write_setting, self.live_links)
        layout.addWidget(self.board)

        self.queue_label = QLabel()
        layout.addWidget(self.queue_label)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        layout.addWidget(self.progress)
        self.preview = QLabel()
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setMinimumHeight(PREVIEW_SIZE // 2)
        layout.addWidget(self.preview)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.message)
        layout.addStretch(1)
        self.setWidget(root)

    def _wire(self):
        self.connect_button.clicked.connect(self._on_connect_clicked)
        self.token_browse.clicked.connect(self._browse_token)
        self.strength.valueChanged.connect(self._show_strength)
        self.reroll.clicked.connect(self._reroll)
        self.generate_button.clicked.connect(self._on_generate)
        self.cancel_button.clicked.connect(self._on_cancel)
        self.expand_button.clicked.connect(self._on_expand)
        for side, button in self.extend_buttons.items():
            button.clicked.connect(lambda _checked=False, side=side: self._on_extend(side))
        c = self.controller
        c.connected.connect(self._on_connected)
        c.queued.connect(self._on_queued)
        c.started.connect(self._on_started)
        c.progress.connect(self._on_progress)
        c.preview.connect(self._on_preview)
        c.finished.connect(self._on_finished)
        c.refused.connect(self._show_message)

    # --- settings ---------------------------------------------------------------------------

    def _load_settings(self):
        self.address.setText(_read_setting("address"))
        self.token_file.setText(_read_setting("token_file"))
        self.prompt.setPlainText(_read_setting("prompt"))
        self.negative.setPlainText(_read_setting("negative_prompt"))
        self._saved_model = _read_setting("model")
        self.controller.connection.configure(self.address.text().strip(), self.token_file.text().strip())
        self._show_strength(self.strength.value())

    def _save_settings(self):
        self.controller.connection.configure(self.address.text().strip(), self.token_file.text().strip())
        _write_setting("address", self.address.text().strip())
        _write_setting("token_file", self.token_file.text().strip())
        _write_setting("prompt", self.prompt.toPlainText())
        _write_setting("negative_prompt", self.negative.toPlainText())
        if self.model.count():  # before the daemon answered, keep the remembered model
            _write_setting("model", self.model.currentData() or "")

    def settings(self):
        """The panel as a PanelSettings (seed -1 unless locked)."""
        return planning.PanelSettings(
            prompt=self.prompt.toPlainText().strip(),
            negative_prompt=self.negative.toPlainText().strip(),
            model=self.model.currentData() or "",
            strength=self.strength.value() / 100.0,
            steps=self.steps.value(),
            guidance=self.guidance.value(),
            seed=int(self.seed.value()) if self.seed_lock.isChecked() else -1,
            count=self.count.value(),
            grow=self.grow.value(),
            feather=self.feather.value(),
            context=self.context.value(),
        )

    # --- actions ----------------------------------------------------------------------------

    def _on_connect_clicked(self):
        self._save_settings()
        self._set_light("busy", "Connecting…")
        self.controller.check_connection()

    def _browse_token(self):
        path, _filter = QFileDialog.getOpenFileName(self, "Underpaint token file")
        if path:
            self.token_file.setText(path)

    def _show_strength(self, value):
        self.strength_label.setText("%d %%" % value + (" (new)" if value == 100 else " (refine)"))

    def _reroll(self):
        self.seed.setValue(planning.reroll_seed())
        self.seed_lock.setChecked(True)

    def _on_generate(self):
        self._save_settings()
        if self.controller.generate(Krita.instance().activeDocument(), self.settings()):
            self._set_busy(True)

    def _on_expand(self):
        margins = tuple(self.margins[s].value() for s in ("left", "top", "right", "bottom"))
        self._save_settings()
        if self.controller.expand(Krita.instance().activeDocument(), self.settings(), margins):
            self._set_busy(True)

    def _on_extend(self, side):
        margins = planning.quick_extend_margins(side, self.extend_amount.value())
        if self.controller.expand(Krita.instance().activeDocument(), self.settings(), margins):
            self._set_busy(True)

    def _on_cancel(self):
        self.message.setText("Cancelling…")
        self.controller.cancel()

    # --- job feedback -----------------------------------------------------------------------

    def _on_connected(self, info, models, error):
        if info is None:
            self._set_light("error", error)
            return
        text = "Connected: underpaint %s on %s" % (info.daemon_version, info.device_name or info.device)
        if info.demo_only:
            text += ". Only the demo model (random weights, noise) is installed."
        self._set_light("ok", text)
        wanted = self.model.currentData() or self._saved_model
        self.model.clear()
        self.model.addItem("daemon default", "")
        for model in models:
            self.model.addItem(model.display_name or model.id, model.id)
        index = self.model.findData(wanted)
        self.model.setCurrentIndex(max(index, 0))
        if "board" in info.capabilities:
            self.controller.refresh_channels()

    def _on_queued(self, position):
        self.queue_label.setText("Queued: %d job(s) ahead" % position if position else "Queued: next")

    def _on_started(self):
        self.queue_label.setText("Running")

    def _on_progress(self, step, total):
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(step)

    def _on_preview(self, width, height, rgba):
        image = QImage(rgba, width, height, width * 4, QImage.Format.Format_RGBA8888).copy()
        pixmap = QPixmap.fromImage(image).scaled(
            PREVIEW_SIZE, PREVIEW_SIZE, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
        )
        self.preview.setPixmap(pixmap)

    def _on_finished(self, status, message, seed):
        self._set_busy(False)
        self.queue_label.setText("")
        self.message.setText(message)
        if seed is not None and 0 <= seed <= planning.MAX_SEED and not self.seed_lock.isChecked():
            self.seed.setValue(seed)  # so the artist can lock it and make the same image again
        if status == "failed" and "not running" in message:
            self._set_light("error", message)

    def _show_message(self, text):
        self.message.setText(text)

    def _set_busy(self, busy):
        self.generate_button.setEnabled(not busy)
        self.expand_button.setEnabled(not busy)
        for button in self.extend_buttons.values():
            button.setEnabled(not busy)
        self.cancel_button.setEnabled(busy)
        if busy:
            self.message.setText("Working…")
            self.progress.setRange(0, 0)  # busy indicator until the first step arrives
        else:
            self.progress.setRange(0, 1)
            self.progress.setValue(0)

    def _set_light(self, state, text):
        self.light.setStyleSheet("color: %s; font-size: 16px;" % _LIGHT[state])
        self.connection_text.setText(text)

    # Krita calls this when the active view changes; the panel reads the document per click.
    def canvasChanged(self, canvas):
        pass
