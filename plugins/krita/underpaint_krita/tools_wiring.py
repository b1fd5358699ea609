"""Puts the Tools and History section into the docker (inside its add-ons section) and wires it
to the docker's fields and job controller, so docker.py needs one call:
attach_tools(docker, extras_layout, read_setting, write_setting).

The tools' jobs run through the docker's JobController: the same progress bar, preview, Cancel
and message line as Generate, and one job at a time per panel.
"""

from .history_panel import HistoryPanel
from .qt import QFrame, QVBoxLayout, QWidget
from .sections import CollapsibleSection, section_setting_key
from .tools_controller import ToolsController
from .tools_panel import ToolsPanel
from .tool_requests import source_prompt, style_tag
from .training_tool import TrainingPanel, TrainingTool


class DockerTools:
    def __init__(self, docker, layout, read_setting, write_setting):
        self.docker = docker
        self.controller = ToolsController(docker.controller, parent=docker)
        self.panel = ToolsPanel()
        self.history = HistoryPanel()
        body = QWidget()
        column = QVBoxLayout(body)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.panel)
        self.training_panel = TrainingPanel()
        self.training = TrainingTool(docker, docker.controller, self.training_panel)
        column.addWidget(self.training_panel)
        rule = QFrame()
        rule.setFrameShape(QFrame.Shape.HLine)
        column.addWidget(rule)
        column.addWidget(self.history)
        self.section = CollapsibleSection("Upscale, edit, keyframes, history", body)
        self.sections = {"tools": self.section}
        # Inside the "LoRAs, VAE, faces" section, as a section of its own: folded, the docker
        # gains no height (it must fit ~600 px); its title says the tools are in there.
        layout.addWidget(self.section)
        docker.extras_section.setTitle(docker.extras_section.title() + ", tools")
        self.section.setExpanded(read_setting(section_setting_key("tools"), "0") == "1")
        self.section.toggled.connect(lambda opened: write_setting(section_setting_key("tools"), int(opened)))
        self.capabilities = None
        self._wire()

    def _wire(self):
        p, h, c, jobs = self.panel, self.history, self.controller, self.docker.controller
        p.upscale_button.clicked.connect(self.upscale)
        p.edit_button.clicked.connect(self.edit)
        p.keyframes_button.clicked.connect(self.keyframes)
        self.training_panel.train_button.clicked.connect(self.train)
        h.refresh_button.clicked.connect(self.refresh_history)
        h.all_documents.toggled.connect(lambda _on: self.refresh_history())
        h.place_button.clicked.connect(self.place_again)
        h.reuse_button.clicked.connect(self.reuse)
        h.insert_style.clicked.connect(self.insert_style)
        h.interrogate_button.clicked.connect(self.interrogate)
        self.section.toggled.connect(lambda opened: opened and self.refresh_history())
        c.frame_done.connect(p.show_frames)
        c.history_listed.connect(self._on_history)
        c.thumbnails_ready.connect(lambda: h.show_icons(c.thumbnails))
        c.styles_listed.connect(self._on_styles)
        c.interrogated.connect(self._on_interrogated)
        c.reused.connect(self._on_reused)
        c.placed.connect(lambda status, message: self.docker._show_message(message))
        jobs.connected.connect(self._on_connected)
        jobs.finished.connect(self._on_job_finished)

    # --- actions -------------------------------------------------------------------------------

    def _document(self):
        from krita import Krita

        return Krita.instance().activeDocument()

    def _started(self, accepted):
        if accepted:
            self.docker._set_busy(True)
            self.panel.set_busy(True)
        return accepted

    def upscale(self):
        factor, upscaler, label, refine, strength, target = self.panel.upscale_options()
        self.docker._save_settings()
        return self._started(self.controller.upscale(self._document(), self.docker.settings(), factor, upscaler,
                                                     label, refine, strength, target))

    def edit(self):
        self.docker._save_settings()
        doc = self._document()
        settings = self.docker.settings()
        from_prompt = self.panel.edit_from.text().strip()
        if not from_prompt:  # the prompt that made the active layer, when the history knows it
            node = doc.activeNode() if doc is not None else None
            from_prompt = source_prompt(node.name() if node is not None else "", self.history.latest, settings.prompt)
        return self._started(self.controller.edit(doc, settings, from_prompt, self.panel.edit_to.text()))

    def keyframes(self):
        self.docker._save_settings()
        return self._started(self.controller.keyframes(self._document(), self.docker.settings(),
                                                       strength=round(self.panel.frame_strength.value(), 2)))

    def train(self):
        self.docker._save_settings()
        accepted = self._started(self.training.train(self._document(), self.docker.settings()))
        self.training_panel.set_busy(accepted)
        return accepted

    def refresh_history(self):
        if self.history.can.get("history"):
            self.controller.refresh_history(self._document(), self.history.all_documents.isChecked())

    def place_again(self):
        entry_id = self.history.picked_id()
        if not entry_id:
            self.docker._show_message("History: pick a result first.")
            return False
        return self.controller.place_again(self._document(), entry_id)

    def reuse(self):
        entry_id = self.history.picked_id()
        if not entry_id:
            self.docker._show_message("History: pick a result first.")
            return
        self.controller.reuse(entry_id)

    def insert_style(self):
        name = self.history.style.currentData()
        if name:
            cursor = self.docker.prompt.textCursor()
            text = self.docker.prompt.toPlainText()
            before = text[:cursor.position()]
            cursor.insertText((" " if before and not before.endswith(" ") else "") + style_tag(name))

    def interrogate(self):
        self.docker._show_message("Interrogating…")
        return self.controller.interrogate(self._document())

    # --- answers -------------------------------------------------------------------------------

    def _on_connected(self, info, _models, _error):
        self.capabilities = tuple(info.capabilities) if info is not None else None
        self.panel.show_listing(self.docker.controller.listing if info is not None else None, self.capabilities or ())
        self.history.show_capabilities(self.capabilities)
        self.training_panel.show_capabilities(self.capabilities)
        if self.history.can.get("styles"):
            self.controller.list_styles()
        if self.section.isExpanded():
            self.refresh_history()

    def _on_job_finished(self, status, _message, _seed):
        self.panel.set_busy(False)
        self.training_panel.set_busy(False)
        if status == "cancelled" and self.training.running:
            self.docker.controller.check_connection()  # the kept checkpoint is an embedding too
        self.training.running = False
        if status == "succeeded" and self.history.can.get("history"):
            self.refresh_history()  # the new result is in the archive now

    def _on_history(self, page, error):
        if page is None:
            self.history.note.setText(error)
        else:
            self.controller.thumbnails_for(page.entries)
            self.history.show_page(page, self.controller.thumbnails)

    def _on_styles(self, styles, error):
        if styles is None:
            self.history.note.setText(error)
        else:
            self.history.show_styles(styles)

    def _on_interrogated(self, prompt, error):
        if error:
            self.docker._show_message(error)
            return
        self.docker.prompt.setPlainText(prompt)
        self.docker._show_message("The prompt now describes the picture.")

    def _on_reused(self, fields, error):
        if fields is None:
            self.docker._show_message(error)
            return
        d = self.docker
        d.prompt.setPlainText(fields.prompt)
        d.negative.setPlainText(fields.negative_prompt)
        index = d.model.findData(fields.model)
        if index >= 0:
            d.model.setCurrentIndex(index)
        d.steps.setValue(fields.steps)
        d.guidance.setValue(fields.guidance)
        d.seed.setValue(fields.seed)  # typing a seed locks it: the same picture again
        d.seed_lock.setChecked(True)
        d.strength.setValue(fields.strength_percent)
        d._show_message("Parameters of the picked result are in the panel (seed %d, locked)." % fields.seed)


def attach_tools(docker, layout, read_setting, write_setting):
    """Adds the sections to the docker's layout; returns the DockerTools (tests reach in)."""
    return DockerTools(docker, layout, read_setting, write_setting)
