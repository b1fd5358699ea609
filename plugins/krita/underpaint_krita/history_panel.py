"""The "History, styles" section: this document's recent results from the daemon's archive (with
thumbnails), "Place again" where a result was made, "Reuse parameters" into the panel; a style
picker that writes {style:NAME} into the prompt; "Interrogate", which fills the prompt with what
the daemon's CLIP model sees in the picture. Widgets only; ToolsController does the work.
"""

import importlib

from . import tool_requests
from .qt import (QT_BINDING, QCheckBox, QComboBox, QFormLayout, QHBoxLayout, QLabel, QListWidget, QListWidgetItem,
                 QPixmap, QPushButton, QSize, Qt, QWidget)

from .tools_controller import THUMBNAIL

QIcon = importlib.import_module(QT_BINDING + ".QtGui").QIcon  # not among qt.py's names


class HistoryPanel(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        self.entries = QListWidget()
        self.entries.setIconSize(QSize(THUMBNAIL, THUMBNAIL))
        self.entries.setMaximumHeight(4 * (THUMBNAIL + 6))
        self.entries.setToolTip("This document's latest results (newest first)")
        form.addRow(self.entries)
        self.all_documents = QCheckBox("All documents")
        self.refresh_button = QPushButton("Refresh")
        row = QHBoxLayout()
        row.addWidget(self.all_documents, 1)
        row.addWidget(self.refresh_button)
        form.addRow(row)
        self.place_button = QPushButton("Place again")
        self.place_button.setToolTip("Add the picked result as a new layer where it was made")
        self.reuse_button = QPushButton("Reuse parameters")
        self.reuse_button.setToolTip("Prompt, negative prompt, model, steps, guidance and seed (locked) "
                                     "of the picked result into the panel")
        row = QHBoxLayout()
        row.addWidget(self.place_button)
        row.addWidget(self.reuse_button)
        form.addRow(row)
        self.style = QComboBox()
        self.style.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.style.setMinimumContentsLength(10)
        self.insert_style = QPushButton("Insert")
        self.insert_style.setToolTip("Writes {style:NAME} into the prompt at the cursor: the daemon adds the "
                                     "style's prompt and negative prompt when it generates")
        row = QHBoxLayout()
        row.addWidget(self.style, 1)
        row.addWidget(self.insert_style)
        form.addRow("Style", row)
        self.interrogate_button = QPushButton("Interrogate → prompt")
        self.interrogate_button.setToolTip("Describe the selection (or the whole image) with the daemon's CLIP "
                                           "model and put the description into the Prompt field")
        form.addRow(self.interrogate_button)
        self.note = QLabel()
        self.note.setWordWrap(True)
        form.addRow(self.note)
        self.latest = []  # the entries listed (pb_archive.HistoryEntry)
        self.thumbnails_shown = 0
        self.show_capabilities(None)

    def show_capabilities(self, capabilities):
        """None: not connected. Otherwise enable what the daemon offers, say what it lacks."""
        connected = capabilities is not None
        can = {tool: connected and not tool_requests.missing(tool, capabilities or ())
               for tool in ("history", "styles", "interrogate")}
        for widget in (self.entries, self.all_documents, self.refresh_button, self.place_button, self.reuse_button):
            widget.setEnabled(can["history"])
        self.style.setEnabled(can["styles"])
        self.insert_style.setEnabled(can["styles"])
        self.interrogate_button.setEnabled(can["interrogate"])
        lacking = [tool for tool, ok in can.items() if connected and not ok]
        self.note.setText("This daemon is too old for %s: update it." % ", ".join(lacking) if lacking else "")
        self.can = can

    def show_page(self, page, thumbnails):
        """List a HistoryPage: thumbnail (thumbnails: entry id -> QImage), prompt, size, seed."""
        self.entries.clear()
        self.latest = list(page.entries)
        self.thumbnails_shown = 0
        for entry in self.latest:
            item = QListWidgetItem(tool_requests.entry_label(entry))
            item.setData(Qt.ItemDataRole.UserRole, entry.id)
            item.setToolTip(entry.parameters.prompt or "(no prompt)")
            image = thumbnails.get(entry.id)
            if image is not None and not image.isNull():
                item.setIcon(QIcon(QPixmap.fromImage(image)))
                self.thumbnails_shown += 1
            self.entries.addItem(item)
        if self.entries.count():
            self.entries.setCurrentRow(0)
        shown = "%d of %d results" % (len(self.latest), page.total) if page.total else "No results yet for this document."
        self.note.setText(shown)

    def show_icons(self, thumbnails):
        """Icons that arrived after the list was shown."""
        shown = 0
        for row in range(self.entries.count()):
            item = self.entries.item(row)
            image = thumbnails.get(item.data(Qt.ItemDataRole.UserRole))
            if image is not None:
                item.setIcon(QIcon(QPixmap.fromImage(image)))
                shown += 1
        self.thumbnails_shown = shown

    def picked_id(self):
        item = self.entries.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else ""

    def show_styles(self, styles):
        wanted = self.style.currentData() or ""
        self.style.clear()
        for style in styles:
            self.style.addItem(style.name, style.name)
            self.style.setItemData(self.style.count() - 1, style.prompt or style.name, Qt.ItemDataRole.ToolTipRole)
        if not styles:
            self.style.addItem("(no styles: underpaint styles add …)", "")
        self.style.setCurrentIndex(max(self.style.findData(wanted), 0))
