"""The panel's Board box: send the active layer to a board channel, place a channel's latest
picture as a new layer, and live links (a layer that follows a channel). The network work is the
controller's and LiveLinks'; this is widgets and wiring.
"""

from krita import Krita

from .qt import (
    QColor,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    Qt,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

SETTING_KEY = "board_channel"
DEFAULT_CHANNEL = "sketch"
LIGHTS = {"ok": "#3c3", "error": "#d33", "retrying": "#d33", "connecting": "#db3", "waiting": "#db3", "off": "#999"}


class BoardPanel(QWidget):
    """The body of the docker's Board section (the section header carries its title)."""

    def __init__(self, controller, show_message, read_setting, write_setting, live_links=None, parent=None):
        super().__init__(parent)
        self.controller = controller
        self.live_links = live_links
        self._show_message = show_message
        self._write_setting = write_setting
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.channel = QComboBox()
        self.channel.setEditable(True)
        self.channel.setToolTip("Channel name, e.g. sketch or krita/poster/background")
        self.refresh = QToolButton()
        self.refresh.setText("⟳")
        self.refresh.setToolTip("List the board's channels")
        self.send = QPushButton("Send layer")
        self.send.setToolTip("Publish the active layer to this channel")
        self.place = QPushButton("Place")
        self.place.setToolTip("Add the channel's latest picture as a new layer")
        row.addWidget(QLabel("Channel"))
        row.addWidget(self.channel, 1)
        row.addWidget(self.refresh)
        column.addLayout(row)
        row = QHBoxLayout()  # a row of its own: the docked panel is narrow
        row.addWidget(self.send)
        row.addWidget(self.place)
        column.addLayout(row)
        self.channel.setEditText(read_setting(SETTING_KEY, DEFAULT_CHANNEL))

        self.refresh.clicked.connect(controller.refresh_channels)
        self.send.clicked.connect(self._on_send)
        self.place.clicked.connect(self._on_place)
        controller.board_done.connect(self._on_done)
        controller.channels_listed.connect(self._on_channels_listed)
        if live_links is not None:
            self._build_links(column)

    def _build_links(self, column):
        row = QHBoxLayout()
        self.follow = QPushButton("Follow")
        self.follow.setToolTip("Live link: the active paint layer follows this channel; every new "
                               "version published there replaces its pixels")
        self.place_linked = QPushButton("Place linked")
        self.place_linked.setToolTip("Add the channel's latest picture as a new layer that follows the channel")
        self.unlink = QPushButton("Unlink")
        self.unlink.setToolTip("End the selected link (or the active layer's); the pixels stay")
        row.addWidget(self.follow)
        row.addWidget(self.place_linked)
        row.addWidget(self.unlink)
        column.addWidget(QLabel("Live link (a layer follows the channel):"))
        column.addLayout(row)
        status = QHBoxLayout()
        self.link_light = QLabel("●")
        self.link_status = QLabel()
        self.link_status.setWordWrap(True)
        status.addWidget(self.link_light)
        status.addWidget(self.link_status, 1)
        column.addLayout(status)
        self.link_list = QListWidget()
        self.link_list.setMaximumHeight(90)
        self.link_list.setToolTip("Layers that follow a channel; the dot is green when the layer shows the latest version")
        column.addWidget(self.link_list)

        links = self.live_links
        self.follow.clicked.connect(self._on_follow)
        self.place_linked.clicked.connect(self._on_place_linked)
        self.unlink.clicked.connect(self._on_unlink)
        links.message.connect(self._show_message)
        links.links_changed.connect(self._show_links)
        links.status_changed.connect(self._show_link_status)
        self._show_link_status(links.state, links.status_text)
        self._show_links()

    def channel_name(self):
        return self.channel.currentText().strip()

    def _on_send(self):
        self._write_setting(SETTING_KEY, self.channel_name())
        self.controller.send_to_board(Krita.instance().activeDocument(), self.channel_name())

    def _on_place(self):
        self._write_setting(SETTING_KEY, self.channel_name())
        self.controller.place_from_board(Krita.instance().activeDocument(), self.channel_name())

    def _on_follow(self):
        self._write_setting(SETTING_KEY, self.channel_name())
        self.live_links.follow_layer(Krita.instance().activeDocument(), self.channel_name())

    def _on_place_linked(self):
        self._write_setting(SETTING_KEY, self.channel_name())
        self.live_links.place_linked(Krita.instance().activeDocument(), self.channel_name())

    def _on_unlink(self):
        item = self.link_list.currentItem()
        if item is not None:
            self.live_links.unlink(item.data(Qt.ItemDataRole.UserRole))
        else:
            self.live_links.unlink_active_layer(Krita.instance().activeDocument())

    def _show_links(self):
        self.link_list.clear()
        for link in self.live_links.book.links():
            item = QListWidgetItem("● " + link.describe())
            item.setData(Qt.ItemDataRole.UserRole, link.id)
            item.setForeground(QColor(LIGHTS.get(link.state, LIGHTS["off"])))
            item.setToolTip(link.message or link.describe())
            self.link_list.addItem(item)

    def _show_link_status(self, state, text):
        self.link_light.setStyleSheet("color: %s" % LIGHTS.get(state, LIGHTS["off"]))
        self.link_status.setText(text)

    def _on_done(self, status, message):
        self._show_message(message)
        if status == "succeeded":
            self.controller.refresh_channels()

    def _on_channels_listed(self, names):
        current = self.channel.currentText()
        self.channel.clear()
        self.channel.addItems(names)
        self.channel.setEditText(current)
