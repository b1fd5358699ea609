"""The content policy set by whoever runs the daemon: a prompt blocklist and an image check.

settings.py reads policy.toml, blocklist.py + normalize.py + scripts.py match names in prompts,
enforce.py refuses requests before they are queued, image_check.py + results.py check results.
"""

from .blocklist import PolicyFileError
from .settings import Policy, find_policy_file, load_policy

__all__ = ["Policy", "PolicyFileError", "find_policy_file", "load_policy"]
