"""Put the vendored host kit (underpaint_kit, protobuf runtime, stubs) first on sys.path.

`underpaint plugins build krita` writes it to underpaint_krita/vendor/. A development checkout
has no vendor folder; then whatever is already importable is used.
"""

import os
import sys

VENDOR_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "vendor")


def ensure_vendor_on_path():
    if os.path.isdir(VENDOR_DIR) and VENDOR_DIR not in sys.path:
        sys.path.insert(0, VENDOR_DIR)
