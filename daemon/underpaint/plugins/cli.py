"""`underpaint plugins build|install`: the command-line face of build.py and install.py."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .build import HOSTS
from .install import INSTALL_HOSTS
from .sources import BuildError


def add_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser("plugins", help="build the host plugins, or install them into the hosts")
    psub = p.add_subparsers(dest="plugins_command", required=True, metavar="build|install")

    b = psub.add_parser("build", help="assemble the plugin zips and folders",
                        description="Packages the host plugins with their host kit and protobuf "
                                    "runtime: into dist/ in a source checkout, else into the user "
                                    "data folder's plugins/ (printed).")
    b.add_argument("host", nargs="?", default="all", choices=HOSTS + ("all",))
    b.add_argument("--out", type=Path, default=None, help="output folder")
    b.add_argument("--plugins-dir", type=Path, default=None, help=argparse.SUPPRESS)

    i = psub.add_parser("install", help="put a plugin where its host finds it, and enable it",
                        description="Installs (or with --uninstall removes) the plugin for a host: "
                                    "Krita's pykrita folder and kritarc switch, GIMP 3's plug-ins "
                                    "folder, Blender's extension command, Photoshop's UXP folder. "
                                    "One line per action; files that are not Underpaint's are "
                                    "left alone.")
    i.add_argument("host", choices=INSTALL_HOSTS + ("all",))
    i.add_argument("--uninstall", action="store_true", help="remove the plugin instead")
    i.add_argument("--dry-run", action="store_true", help="say what would be done, change nothing")
    i.add_argument("--blender", help="the Blender executable to install with (default: `blender` "
                                     "on PATH, then the usual install folders)")
    i.add_argument("--out", type=Path, default=None,
                   help="where the built plugins are kept (default as for `plugins build`)")
    p.set_defaults(func=run)
    return p


def run(args) -> int:
    if args.plugins_command == "build":
        return _build(args)
    return _install(args)


def _build(args) -> int:
    from .build import build

    try:
        build(args.host, args.out, args.plugins_dir)
    except BuildError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


def _install(args) -> int:
    from .install import Installer

    hosts = INSTALL_HOSTS if args.host == "all" else (args.host,)
    failed = 0
    try:
        installer = Installer(out_dir=args.out, dry_run=args.dry_run, blender=args.blender,
                              explicit=args.host != "all")
    except BuildError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for host in hosts:
        try:
            installer.run(host, uninstall=args.uninstall)
        except BuildError as error:  # InstallError too: say it, go on with the other hosts
            message = str(error).removeprefix(f"{host}: ")
            print(f"{host}: error: {message}", file=sys.stderr)
            failed += 1
    return 1 if failed else 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="underpaint")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)
