"""Puts the vendored host kit (underpaint_kit + pure-Python protobuf + stubs) first on sys.path.

`underpaint plugins build blender` copies them into vendor/ beside this file.
"""
import os
import sys

VENDOR_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "vendor")


def ensure_on_path():
    if os.path.isdir(VENDOR_DIR) and VENDOR_DIR not in sys.path:
        sys.path.insert(0, VENDOR_DIR)
