"""The one place that imports PyQt: Krita 5 embeds PyQt5, Krita 6 embeds PyQt6.

Other modules import Qt names from here and write enums fully qualified
(`Qt.AlignmentFlag.AlignLeft`), which both bindings accept.
"""

import sys


def _pick_binding():
    # Krita has already imported its own binding before any plugin runs; loading the other
    # one into the same process would crash, so follow Krita's choice when it is known.
    if "PyQt6" in sys.modules:
        return "PyQt6"
    if "PyQt5" in sys.modules:
        return "PyQt5"
    try:
        import PyQt5  # noqa: F401

        return "PyQt5"
    except ImportError:
        return "PyQt6"


QT_BINDING = _pick_binding()

if QT_BINDING == "PyQt6":
    from PyQt6 import sip
    from PyQt6.QtCore import QObject, QSize, Qt, QTimer, pyqtSignal
    from PyQt6.QtGui import QColor, QImage, QPixmap
    from PyQt6.QtWidgets import (
        QApplication,
        QCheckBox,
        QComboBox,
        QDockWidget,
        QDoubleSpinBox,
        QFileDialog,
        QFormLayout,
        QGroupBox,
        QHBoxLayout,
        QLabel,
        QLineEdit,
        QListWidget,
        QListWidgetItem,
        QPlainTextEdit,
        QProgressBar,
        QPushButton,
        QSlider,
        QSpinBox,
        QToolButton,
        QVBoxLayout,
        QWidget,
    )
else:
    from PyQt5 import sip
    from PyQt5.QtCore import QObject, QSize, Qt, QTimer, pyqtSignal
    from PyQt5.QtGui import QColor, QImage, QPixmap
    from PyQt5.QtWidgets import (
        QApplication,
        QCheckBox,
        QComboBox,
        QDockWidget,
        QDoubleSpinBox,
        QFileDialog,
        QFormLayout,
        QGroupBox,
        QHBoxLayout,
        QLabel,
        QLineEdit,
        QListWidget,
        QListWidgetItem,
        QPlainTextEdit,
        QProgressBar,
        QPushButton,
        QSlider,
        QSpinBox,
        QToolButton,
        QVBoxLayout,
        QWidget,
    )



def is_deleted(qobject):
    """True when the Qt side of a Python wrapper is gone (e.g. its parent widget was closed)."""
    return sip.isdeleted(qobject)


__all__ = [
    "QT_BINDING",
    "QApplication",
    "QCheckBox",
    "QColor",
    "QComboBox",
    "QDockWidget",
    "QDoubleSpinBox",
    "QFileDialog",
    "QFormLayout",
    "QGroupBox",
    "QHBoxLayout",
    "QImage",
    "QLabel",
    "QLineEdit",
    "QListWidget",
    "QListWidgetItem",
    "QObject",
    "QPixmap",
    "QPlainTextEdit",
    "QProgressBar",
    "QPushButton",
    "QSize",
    "QSlider",
    "QSpinBox",
    "QTimer",
    "QToolButton",
    "QVBoxLayout",
    "QWidget",
    "Qt",
    "is_deleted",
    "pyqtSignal",
]
