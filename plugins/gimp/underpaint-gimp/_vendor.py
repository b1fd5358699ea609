"""Puts the built plug-in's vendor/ folder (host kit, protobuf runtime, stubs) first on sys.path."""
import os
import sys

VENDOR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "vendor")


def activate() -> None:
    if os.path.isdir(VENDOR) and VENDOR not in sys.path:
        sys.path.insert(0, VENDOR)
