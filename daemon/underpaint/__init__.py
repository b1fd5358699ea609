"""Underpaint: a resident image-generation daemon and the tools that talk to it.

Importing this package must stay cheap (no torch): host-side code and the CLI import
`underpaint.v1` stubs and small helpers from here.
"""

__version__ = "0.1.0"
PROTOCOL_MAJOR = 1
PROTOCOL_MINOR = 3
