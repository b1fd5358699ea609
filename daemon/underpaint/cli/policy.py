"""`underpaint policy show`: the content policy in force, and `policy check TEXT`: would the
blocklist refuse this prompt? Both read the policy file the way `serve` does, so a person editing
policy.toml can see its effect before restarting the daemon; `show` also asks a running daemon."""

from __future__ import annotations

import sys
from pathlib import Path


def add_parser(sub, add_client_options) -> None:
    p = sub.add_parser("policy", help="the content policy: `policy show`, `policy check TEXT`")
    psub = p.add_subparsers(dest="policy_command", required=True, metavar="SUBCOMMAND")
    show = psub.add_parser("show", help="print the policy in force (file, image check, blocklists)")
    _file_options(show)
    add_client_options(show)
    show.set_defaults(func=show_policy)
    check = psub.add_parser("check", help="say whether the blocklist refuses TEXT, and by which rule")
    check.add_argument("text")
    _file_options(check)
    check.set_defaults(func=check_text)


def _file_options(p) -> None:
    p.add_argument("--policy", type=Path, metavar="FILE", help="the policy file (default: as `serve` finds it)")
    p.add_argument("--config-dir", type=Path, help="the config folder holding policy.toml (default: the user's)")
    p.add_argument("--models", type=Path, help="models folder, to see whether an image checker is installed")


def _load(args):
    from ..config import config_dir, default_models_dir
    from ..policy import PolicyFileError, find_policy_file, load_policy

    path = find_policy_file(args.config_dir or config_dir(), args.policy)
    try:
        return load_policy(path), args.models or default_models_dir()
    except PolicyFileError as exc:
        print(f"underpaint: {exc}", file=sys.stderr)
        return None, None


def show_policy(args) -> int:
    from ..client import ClientError
    from ..policy.image_check import ImageChecker
    from .commands import client_from_args

    policy, models = _load(args)
    if policy is None:
        return 1
    print(policy.describe())
    checker = ImageChecker(models)
    print(f"  image checker: {'installed in ' + str(checker.folder) if checker.installed else checker.why_missing()}")
    try:
        with client_from_args(args) as client:
            s = client.info().policy
        source = s.source or "built-in default"
        print(f"running daemon: image_check {s.image_check or 'off'}{', locked' if s.locked else ''}, "
              f"{s.blocked_terms} blocked names and terms, from {source}")
    except ClientError:
        print("running daemon: none answers (start it with `underpaint serve`)")
    return 0


def check_text(args) -> int:
    from ..errors import FailedPrecondition
    from ..policy.enforce import check_prompt

    policy, _ = _load(args)
    if policy is None:
        return 1
    try:
        check_prompt(policy, "text", args.text)
    except FailedPrecondition as exc:
        print(f"refused: {exc.message}")
        return 2
    print(f"allowed ({len(policy.blocklist)} blocked names and terms checked)")
    return 0
