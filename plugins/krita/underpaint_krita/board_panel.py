"""The panel's Board box: send the active layer to a board channel, place a channel's latest
picture as a new layer. The network work is the controller's; this is widgets and wiring.
"""

from krita import Krita

from .qt import QComboBox, QGroupBox, QHBoxLayout, QPushButton, QToolButton

SETTING_KEY = "board_channel"
DEFAULT_CHANNEL = "sketch"


class BoardPanel(QGroupBox):
    def __init__(self, controller, show_message, read_setting, write_setting, parent=None):
        super().__init__("Board (pass images between apps)", parent)
        self.controller = controller
        self._show_message = show_message
        self._write_setting = write_setting
        row = QHBoxLayout(self)
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
        row.addWidget(self.channel, 1)
        row.addWidget(self.refresh)
        row.addWidget(self.send)
        row.addWidget(self.place)
        self.channel.setEditText(read_setting(SETTING_KEY, DEFAULT_CHANNEL))

        self.refresh.clicked.connect(controller.refresh_channels)
        self.send.clicked.connect(self._on_send)
        self.place.clicked.connect(self._on_place)
        controller.board_done.connect(self._on_done)
        controller.channels_listed.connect(self._on_channels_listed)

    def channel_name(self):
        return self.channel.currentText().strip()

    def _on_send(self):
        self._write_setting(SETTING_KEY, self.channel_name())
        self.controller.send_to_board(Krita.instance().activeDocument(), self.channel_name())

    def _on_place(self):
        self._write_setting(SETTING_KEY, self.channel_name())
        self.controller.place_from_board(Krita.instance().activeDocument(), self.channel_name())

    def _on_done(self, status, message):
        self._show_message(message)
        if status == "succeeded":
            self.controller.refresh_channels()

    def _on_channels_listed(self, names):
        current = self.channel.currentText()
        self.channel.clear()
        self.channel.addItems(names)
        self.channel.setEditText(current)
