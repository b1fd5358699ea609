"""The one place that imports PyQt: Krita 5 embeds PyQt5, Krita 6 embeds PyQt6.

Other modules import Qt names from here and write enums fully qualified
(`Qt.AlignmentFlag.AlignLeft`), which both bindings accept.
"""

import importlib
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

# Both bindings name these classes alike: import them once from whichever module set is in use.
sip = importlib.import_module(f"{QT_BINDING}.sip")
_core = importlib.import_module(f"{QT_BINDING}.QtCore")
_gui = importlib.import_module(f"{QT_BINDING}.QtGui")
_widgets = importlib.import_module(f"{QT_BINDING}.QtWidgets")

QObject, QSize, Qt, QTimer, pyqtSignal = (getattr(_core, name) for name in
                                          ("QObject", "QSize", "Qt", "QTimer", "pyqtSignal"))
QColor, QImage, QPixmap = (getattr(_gui, name) for name in ("QColor", "QImage", "QPixmap"))
(QApplication, QCheckBox, QComboBox, QDockWidget, QDoubleSpinBox, QFileDialog, QFormLayout, QFrame,
 QGridLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QListWidget, QListWidgetItem, QPlainTextEdit,
 QProgressBar, QPushButton, QScrollArea, QSizePolicy, QSlider, QSpinBox, QToolButton, QVBoxLayout,
 QWidget) = (
    getattr(_widgets, name) for name in (
        "QApplication", "QCheckBox", "QComboBox", "QDockWidget", "QDoubleSpinBox", "QFileDialog",
        "QFormLayout", "QFrame", "QGridLayout", "QGroupBox", "QHBoxLayout", "QLabel", "QLineEdit",
        "QListWidget", "QListWidgetItem", "QPlainTextEdit", "QProgressBar", "QPushButton",
        "QScrollArea", "QSizePolicy", "QSlider", "QSpinBox", "QToolButton", "QVBoxLayout",
        "QWidget"))


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
    "QFrame",
    "QGridLayout",
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
    "QScrollArea",
    "QSize",
    "QSizePolicy",
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
