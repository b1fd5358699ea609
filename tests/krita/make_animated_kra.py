"""Writes tests/krita/data/animated-3-frames.kra: a 48x40 document whose "Paint Layer 1" has
keyframes at 0, 1 and 2 (a white square moving right over a colour that changes per frame).

Krita 5.1's scripting API cannot add keyframes without a main window (Document.importAnimation
crashes under kritarunner), so this runs real Krita under Xvfb once with a throwaway plugin that
imports three PNGs as an animation and saves the .kra. The file is committed; rerun only to
change it:  python tests/krita/make_animated_kra.py tests/krita/data/animated-3-frames.kra
"""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

PLUGIN = '''
import os, traceback
from krita import Extension, Krita
try:
    from PyQt6.QtCore import QTimer
    from PyQt6.QtGui import QColor, QImage, QPainter
except ImportError:
    from PyQt5.QtCore import QTimer
    from PyQt5.QtGui import QColor, QImage, QPainter

OUT = os.environ["MKANIM_OUT"]

def run():
    k = Krita.instance()
    with open(OUT + ".log", "w") as log:
        try:
            doc = k.createDocument(48, 40, "animated-frames", "RGBA", "U8", "", 72.0)
            k.activeWindow().addView(doc)
            files = []
            for i in range(3):
                img = QImage(48, 40, QImage.Format.Format_ARGB32)
                img.fill(QColor(40 + 60 * i, 90, 200 - 50 * i, 255))
                p = QPainter(img)
                p.fillRect(6 + 10 * i, 10, 12, 12, QColor(250, 250, 250, 255))
                p.end()
                path = OUT + ".frame%d.png" % i
                img.save(path)
                files.append(path)
            log.write("import %r\\n" % doc.importAnimation(files, 0, 1))
            doc.waitForDone()
            doc.setBatchmode(True)
            log.write("saved %r\\n" % doc.saveAs(OUT))
        except Exception:
            log.write(traceback.format_exc())
    QTimer.singleShot(500, lambda: k.action("file_quit").trigger())

class Maker(Extension):
    def setup(self):
        Krita.instance().notifier().windowCreated.connect(lambda: QTimer.singleShot(1500, run))
    def createActions(self, window):
        pass

Krita.instance().addExtension(Maker(Krita.instance()))
'''


def main(out: str) -> int:
    out_path = Path(out).resolve()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        pykrita = home / ".local" / "share" / "krita" / "pykrita"
        (pykrita / "mkanim").mkdir(parents=True)
        (pykrita / "mkanim" / "__init__.py").write_text(PLUGIN)
        (pykrita / "mkanim.desktop").write_text("[Desktop Entry]\nType=Service\nServiceTypes=Krita/PythonPlugin\n"
                                                "X-KDE-Library=mkanim\nX-Python-2-Compatible=false\nName=mkanim\n")
        (home / ".config").mkdir()
        (home / ".config" / "kritarc").write_text("[python]\nenable_mkanim=true\n")
        runtime = home / "runtime"
        runtime.mkdir(mode=0o700)
        env = dict(os.environ, HOME=str(home), XDG_RUNTIME_DIR=str(runtime), MKANIM_OUT=str(out_path))
        subprocess.run(["xvfb-run", "-a", "krita", "--nosplash"], env=env, timeout=300, check=False)
    log = Path(str(out_path) + ".log")
    print(log.read_text() if log.exists() else "no log")
    for leftover in [log] + [Path("%s.frame%d.png" % (out_path, i)) for i in range(3)]:
        leftover.unlink(missing_ok=True)
    return 0 if out_path.exists() else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
