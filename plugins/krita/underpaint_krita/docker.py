"""The Underpaint docker panel (Settings > Dockers > Underpaint). Widgets and wiring only:
the work happens in JobController, the document access in document.py.

Laid out to fit a docked panel on a laptop screen (~600 px): everything sits in a scroll area,
the everyday controls come first, and the connection settings, advanced settings, Expand and
Board fold away in sections that remember whether they are open.
"""

from krita import DockWidget, Krita

from . import planning
from .addons_panel import AddOnsPanel
from .advanced_panel import AdvancedPanel, spin
from .board_panel import BoardPanel
from .connection_view import ConnectionView
from .control_panel import ControlPanel
from .controller import JobController
from .expand_panel import ExpandPanel
from .faces_panel import FacesPanel
from .job_view import JobView
from .live_links import LiveLinks
from .live_mode import CAPABILITY as LIVE_CAPABILITY
from .live_mode import LiveMode
from .qt import (
    QApplication,
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSlider,
    Qt,
    QVBoxLayout,
    QWidget,
)
from .sections import CollapsibleSection, section_setting_key
from .token_counter import TokenCounter
from .tools_wiring import attach_tools

DOCKER_ID = "underpaint_docker"
DOCKER_TITLE = "Underpaint"
SETTINGS_GROUP = "underpaint"


def _read_setting(key, default=""):
    return Krita.instance().readSetting(SETTINGS_GROUP, key, default)


def _write_setting(key, value):
    Krita.instance().writeSetting(SETTINGS_GROUP, key, str(value))


class UnderpaintDocker(DockWidget):
    def __init__(self):
        super().__init__()
        self.setWindowTitle(DOCKER_TITLE)
        self.setObjectName(DOCKER_ID)
        self.controller = JobController(parent=self)
        self._capabilities = ()  # the daemon's, once connected
        self.live_links = LiveLinks(self.controller.connection, parent=self)
        self.live_links.watch_documents()
        self.live = LiveMode(self.controller.connection, self.settings, self.controller.live_request, parent=self)
        self._build()
        self._wire()
        self._load_settings()
        self._set_busy(False)
        self.live_button.setEnabled(False)  # until the daemon says it can
        self.apply_button.setEnabled(False)  # until there is a live result
        self.connection.show_state("unknown", "Not connected yet.")
        self.controller.check_connection()
        QApplication.instance().aboutToQuit.connect(self.controller.shutdown)
        QApplication.instance().aboutToQuit.connect(self.live_links.shutdown)
        QApplication.instance().aboutToQuit.connect(self.live.shutdown)

    # --- layout -----------------------------------------------------------------------------

    def _build(self):
        root = QWidget()
        layout = QVBoxLayout(root)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)  # a little tighter than the style's default: the folded panel fits ~600 px

        self.connection = ConnectionView()
        layout.addWidget(self.connection)

        form = QFormLayout()
        form.setVerticalSpacing(4)
        self.model = QComboBox()
        self.model.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.model.setMinimumContentsLength(12)
        form.addRow("Model", self.model)
        self.prompt = QPlainTextEdit()
        self.prompt.setPlaceholderText("Describe what to paint")
        self.prompt.setMaximumHeight(58)  # about 3 lines; the panel must fit ~600 px folded
        self.tokens = TokenCounter(self.controller.connection, self.prompt, self.model, parent=self)
        # The counter sits under the row's label, beside the prompt box: no extra height.
        prompt_label = QWidget()
        label_column = QVBoxLayout(prompt_label)
        label_column.setContentsMargins(0, 0, 0, 0)
        label_column.addWidget(QLabel("Prompt"))
        label_column.addWidget(self.tokens.label)
        label_column.addStretch(1)
        form.addRow(prompt_label, self.prompt)
        self.negative = QPlainTextEdit()
        self.negative.setPlaceholderText("What to avoid")
        self.negative.setMaximumHeight(40)
        form.addRow("Negative", self.negative)

        strength_row = QHBoxLayout()
        self.strength = QSlider(Qt.Orientation.Horizontal)
        self.strength.setRange(1, 100)
        self.strength.setValue(100)
        self.strength_label = QLabel()
        strength_row.addWidget(self.strength, 1)
        strength_row.addWidget(self.strength_label)
        form.addRow("Strength", strength_row)
        self.count = spin(1, 16, 1)
        self.count.setToolTip("How many pictures one click makes (seed, seed+1, …), as a layer group")
        form.addRow("Variations", self.count)
        layout.addLayout(form)

        buttons = QHBoxLayout()
        self.generate_button = QPushButton("Generate")
        self.generate_button.setToolTip(
            "No selection: the whole canvas. Selection: fill it. Strength below 100 %: refine."
        )
        self.cancel_button = QPushButton("Cancel")
        self.live_button = QPushButton("Live")
        self.live_button.setCheckable(True)
        self.live_button.setToolTip("Live mode: each change to the canvas makes a new picture in the "
                                    "\"Live result\" layer (strength below 100 % follows your strokes)")
        self.apply_button = QPushButton("Apply")
        self.apply_button.setToolTip("Keep the live result as a normal layer")
        buttons.addWidget(self.generate_button, 1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.live_button)
        buttons.addWidget(self.apply_button)
        layout.addLayout(buttons)

        self.job = JobView()
        layout.addWidget(self.job)
        # The names the rest of the panel (and its tests) use.
        self.progress, self.preview, self.message, self.queue_label = (
            self.job.progress, self.job.preview, self.job.message, self.job.queue_label)

        advanced = AdvancedPanel()
        self.steps, self.guidance, self.grow, self.feather, self.context = (
            advanced.steps, advanced.guidance, advanced.grow, advanced.feather, advanced.context)
        self.seed_field = advanced.seed_field
        self.seed, self.seed_lock, self.reroll = self.seed_field.spin, self.seed_field.lock, self.seed_field.reroll
        self.advanced = CollapsibleSection("Advanced", advanced)
        self.control_panel = ControlPanel()
        self.controls_section = CollapsibleSection("Control layers", self.control_panel)
        self.addons = AddOnsPanel(self.prompt, self.negative)
        self.faces = FacesPanel()
        extras = QWidget()
        extras_column = QVBoxLayout(extras)
        extras_column.setContentsMargins(0, 0, 0, 0)
        extras_column.addWidget(self.addons)
        extras_column.addWidget(self.faces)
        self.extras_section = CollapsibleSection("LoRAs, VAE, faces", extras)
        self.tools = attach_tools(self, extras_column, _read_setting, _write_setting)  # upscale, edit, keyframes, history
        self.expand_panel = ExpandPanel()
        self.margins, self.extend_buttons = self.expand_panel.margins, self.expand_panel.extend_buttons
        self.expand_button, self.extend_amount = self.expand_panel.expand_button, self.expand_panel.extend_amount
        self.expand_section = CollapsibleSection("Expand canvas", self.expand_panel)
        self.board = BoardPanel(self.controller, self._show_message, _read_setting, _write_setting, self.live_links)
        self.board_section = CollapsibleSection("Board (pass images between apps)", self.board)
        # The folded headers stack without gaps, like an accordion: the panel stays short.
        sections = QVBoxLayout()
        sections.setSpacing(0)
        for section in self._sections().values():
            sections.addWidget(section)
        layout.addLayout(sections)
        layout.addStretch(1)

        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(root)
        # As wide as the content needs (the dock column widens to it), as short as the dock
        # allows: the height scrolls, nothing is cut off at the side.
        scroll.setMinimumWidth(root.minimumSizeHint().width() + scroll.verticalScrollBar().sizeHint().width() + 2)
        self.scroll = scroll
        self.setWidget(scroll)

    def _sections(self):
        return {"advanced": self.advanced, "controls": self.controls_section, "extras": self.extras_section,
                "expand": self.expand_section, "board": self.board_section}

    def _wire(self):
        self.connection.connect_button.clicked.connect(self._on_connect_clicked)
        self.strength.valueChanged.connect(self._show_strength)
        self.generate_button.clicked.connect(self._on_generate)
        self.cancel_button.clicked.connect(self._on_cancel)
        self.expand_button.clicked.connect(self._on_expand)
        self.model.currentIndexChanged.connect(self._on_model_changed)
        self.faces.restore_button.clicked.connect(lambda: self._on_faces("restore"))
        self.faces.rerender_button.clicked.connect(lambda: self._on_faces("rerender"))
        self.control_panel.mark_button.clicked.connect(lambda: self.control_panel.mark_layer(self._document()))
        self.control_panel.unmark_button.clicked.connect(lambda: self.control_panel.unmark(self._document()))
        self.control_panel.message.connect(self._show_message)
        self.controls_section.toggled.connect(lambda opened: opened and self.control_panel.refresh(self._document()))
        self.live_button.toggled.connect(self._on_live_toggled)
        self.apply_button.clicked.connect(lambda: self.live.apply() and self.apply_button.setEnabled(False))
        self.live.state_changed.connect(self._on_live_state)
        self.live.result_placed.connect(lambda count: self.apply_button.setEnabled(True))
        self.live.message.connect(self._show_message)
        for side, button in self.extend_buttons.items():
            button.clicked.connect(lambda _checked=False, side=side: self._on_extend(side))
        for name, section in self._sections().items():
            section.toggled.connect(lambda opened, name=name: _write_setting(section_setting_key(name), int(opened)))
        c = self.controller
        c.connected.connect(self._on_connected)
        c.queued.connect(self.job.queued)
        c.started.connect(self.job.running)
        c.progress.connect(self.job.step)
        c.preview.connect(self.job.show_image)
        c.result_image.connect(lambda w, h, rgba: self.job.show_image(w, h, rgba, is_result=True))
        c.finished.connect(self._on_finished)
        c.refused.connect(self._show_message)

    # --- settings ---------------------------------------------------------------------------

    def _load_settings(self):
        self.connection.address.setText(_read_setting("address"))
        self.connection.token_file.setText(_read_setting("token_file"))
        self.prompt.setPlainText(_read_setting("prompt"))
        self.negative.setPlainText(_read_setting("negative_prompt"))
        self._saved_model = _read_setting("model")
        for name, section in self._sections().items():
            section.setExpanded(_read_setting(section_setting_key(name), "0") == "1")
        self.controller.connection.configure(*self._address_and_token())
        self._show_strength(self.strength.value())

    def _address_and_token(self):
        return self.connection.address.text().strip(), self.connection.token_file.text().strip()

    def _save_settings(self):
        address, token_file = self._address_and_token()
        self.controller.connection.configure(address, token_file)
        _write_setting("address", address)
        _write_setting("token_file", token_file)
        _write_setting("prompt", self.prompt.toPlainText())
        _write_setting("negative_prompt", self.negative.toPlainText())
        if self.model.count():  # before the daemon answered, keep the remembered model
            _write_setting("model", self.model.currentData() or "")

    def settings(self, doc=None):
        """The panel as a PanelSettings (seed -1 unless locked), with `doc`'s control layers."""
        rerender_faces, restore_faces, face_restorer, face_strength = self.faces.options()
        return planning.PanelSettings(
            prompt=self.prompt.toPlainText().strip(),
            negative_prompt=self.negative.toPlainText().strip(),
            model=self.model.currentData() or "",
            strength=self.strength.value() / 100.0,
            steps=self.steps.value(),
            guidance=self.guidance.value(),
            seed=self.seed_field.value(),
            count=self.count.value(),
            grow=self.grow.value(),
            feather=self.feather.value(),
            context=self.context.value(),
            vae=self.addons.selected_vae(),
            rerender_faces=rerender_faces,
            restore_faces=restore_faces,
            face_restorer=face_restorer,
            face_strength=face_strength,
            controls=self.control_panel.marks(doc),
        )

    # --- actions ----------------------------------------------------------------------------

    def _on_connect_clicked(self):
        self._save_settings()
        self.connection.show_state("busy", "Connecting…")
        self.controller.check_connection()

    def _show_strength(self, value):
        self.strength_label.setText("%d %%" % value + (" (new)" if value == 100 else " (refine)"))

    def _document(self):
        return Krita.instance().activeDocument()

    def _on_generate(self):
        self._save_settings()
        doc = self._document()
        if self.controller.generate(doc, self.settings(doc)):
            self._set_busy(True)

    def _on_live_toggled(self, on):
        if on:
            self._save_settings()
            if not self.live.start(self._document()):
                self.live_button.setChecked(False)
        else:
            self.live.stop()

    def _on_live_state(self, on):
        if self.live_button.isChecked() != on:
            self.live_button.setChecked(on)  # stopped from inside (document closed, daemon down)
        self.apply_button.setEnabled(False)

    def _on_expand(self):
        margins = self.expand_panel.margin_values()
        self._save_settings()
        if self.controller.expand(Krita.instance().activeDocument(), self.settings(), margins):
            self._set_busy(True)

    def _on_extend(self, side):
        margins = planning.quick_extend_margins(side, self.extend_amount.value())
        if self.controller.expand(Krita.instance().activeDocument(), self.settings(), margins):
            self._set_busy(True)

    def _on_faces(self, action):
        self._save_settings()
        if self.controller.fix_faces(Krita.instance().activeDocument(), self.settings(), action):
            self._set_busy(True)

    def _on_model_changed(self, _index=0):
        self.addons.show_listing(self.controller.listing, self.model.currentData() or "")
        self.control_panel.show_listing(self.controller.listing, self.model.currentData() or "", self._capabilities)

    def _on_cancel(self):
        self.message.setText("Cancelling…")
        self.controller.cancel()

    # --- job feedback -----------------------------------------------------------------------

    def _on_connected(self, info, models, error):
        if info is None:
            self.connection.show_state("error", error)
            return
        device = info.device_name or info.device
        note = ""
        if info.demo_only:
            note = "Only the demo model is installed: random weights, its pictures are noise."
        from underpaint_kit import policy

        note = " ".join(n for n in (note, policy.policy_summary(info)) if n)  # what the daemon's policy enforces
        self.connection.show_state("ok", "Connected: underpaint %s on %s" % (info.daemon_version, device), note)
        wanted = self.model.currentData() or self._saved_model
        self.model.clear()
        self.model.addItem("daemon default", "")
        for model in models:
            label = model.display_name or model.id
            self.model.addItem(label, model.id)
            self.model.setItemData(self.model.count() - 1, "%s\n%s" % (label, model.id), Qt.ItemDataRole.ToolTipRole)
        index = self.model.findData(wanted)
        self.model.setCurrentIndex(max(index, 0))
        self._on_model_changed()
        self.faces.show_listing(self.controller.listing, tuple(info.capabilities))
        self.tokens.set_capabilities(tuple(info.capabilities))
        self._capabilities = tuple(info.capabilities)
        self._on_model_changed()
        self.control_panel.refresh(self._document())
        live = LIVE_CAPABILITY in self._capabilities
        self.live_button.setEnabled(live)
        self.live_button.setToolTip(self.live_button.toolTip() if live else "This daemon is too old for live mode: update it.")
        if "board" in info.capabilities:
            self.controller.refresh_channels()

    def _on_finished(self, status, message, seed):
        self._set_busy(False)
        self.job.finished(status, message)
        self.seed_field.remember(seed)  # Lock then reuses it: the same picture again
        if status == "failed" and "not running" in message:
            self.connection.show_state("error", message)

    def _show_message(self, text):
        self.message.setText(text)

    def _set_busy(self, busy):
        self.generate_button.setEnabled(not busy)
        self.expand_panel.set_busy(busy)
        self.faces.restore_button.setEnabled(not busy and self.faces.restore_after.isEnabled())
        self.faces.rerender_button.setEnabled(not busy and self.faces.rerender_after.isEnabled())
        self.cancel_button.setEnabled(busy)
        if busy:
            self.job.started_busy()

    # Krita calls this when the active view changes; the panel reads the document per click,
    # only the control layer list shows the active document's.
    def canvasChanged(self, canvas):
        if self.controls_section.isExpanded():
            self.control_panel.refresh(self._document())
