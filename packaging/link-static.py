#!/usr/bin/env python3
"""Links executables of a SwiftPM build again, with the Swift runtime and Foundation linked in, from the
object files that build already made: nothing is compiled and the build's own binaries are not touched.

`make package-tests` packs the debug build of `make test` with this. (`swift build --static-swift-stdlib`
in the same .build does not only link: it compiles some modules again with the static runtime's
link entries, after which the next ordinary `swift build` fails to link `cannot find -lCoreFoundation`.)

For each product it takes the link command SwiftPM wrote in its build manifest (SCRATCH/CONFIG.yaml),
sends the output to OUT_DIR, adds `-static-stdlib` and one small object compiled with `-static-stdlib`
that imports the Foundation modules the product's objects link against, so that the static libraries
those need (CoreFoundation, _FoundationICU, ...) are linked too, as SwiftPM's own static build does.

usage: link-static.py BIN_DIR OUT_DIR PRODUCT...
  BIN_DIR  what `swift build --show-bin-path` prints (SCRATCH/TRIPLE/CONFIG)
"""

import json
import os
import subprocess
import sys
import tempfile

FOUNDATION_MODULES = [
    "Foundation",
    "FoundationEssentials",
    "FoundationInternationalization",
    "FoundationNetworking",
    "FoundationXML",
]


class LinkError(Exception):
    pass


def link_commands(manifest_path):
    """Every `args:` list of the manifest whose command emits an executable, by its -o path."""
    try:
        text = open(manifest_path, encoding="utf-8").read()
    except OSError as error:
        raise LinkError(f"cannot read the build manifest {manifest_path}: {error.strerror} (run swift build first)")
    commands = {}
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith("args: ["):
            continue
        args = json.loads(line[len("args: ") :])
        if "-emit-executable" in args and "-o" in args:
            commands[args[args.index("-o") + 1]] = args
    return commands


def linked_libraries(swift_bin, link_file_list, work):
    """The -l entries the product's objects ask for (their autolink sections)."""
    out = os.path.join(work, "autolink.txt")
    subprocess.run([os.path.join(swift_bin, "swift-autolink-extract"), "@" + link_file_list, "-o", out], check=True)
    return set(open(out, encoding="utf-8").read().split())


def runtime_object(swift_bin, target, modules, work):
    """An object compiled with -static-stdlib importing `modules`: its autolink entries name the static
    libraries those modules need."""
    source = os.path.join(work, "static_runtime.swift")
    with open(source, "w", encoding="utf-8") as file:
        file.writelines(f"import {module}\n" for module in modules)
    obj = os.path.join(work, "static_runtime.o")
    subprocess.run(
        [os.path.join(swift_bin, "swiftc"), "-static-stdlib", "-parse-as-library", "-target", target,
         "-module-name", "StaticRuntimeLinks", "-c", source, "-o", obj],
        check=True,
    )
    return obj


def main(argv):
    if len(argv) < 4:
        print("usage: link-static.py BIN_DIR OUT_DIR PRODUCT...", file=sys.stderr)
        return 2
    bin_dir, out_dir, products = os.path.realpath(argv[1]), os.path.abspath(argv[2]), argv[3:]
    config = os.path.basename(bin_dir)
    scratch = os.path.dirname(os.path.dirname(bin_dir))
    commands = link_commands(os.path.join(scratch, f"{config}.yaml"))
    os.makedirs(out_dir, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="smiley-link-static.") as work:
        for product in products:
            args = commands.get(os.path.join(bin_dir, product))
            if args is None:
                raise LinkError(
                    f"no link command for {product} in {scratch}/{config}.yaml (is it a product of this package,"
                    f" built with `swift build`?)"
                )
            lists = [arg[1:] for arg in args if arg.startswith("@") and arg.endswith("Objects.LinkFileList")]
            if len(lists) != 1 or "-target" not in args:
                raise LinkError(f"the link command for {product} has no object list or no -target: {args[:8]}")
            swift_bin = os.path.dirname(args[0])
            target = args[args.index("-target") + 1]
            wanted = linked_libraries(swift_bin, lists[0], work)
            modules = [module for module in FOUNDATION_MODULES if f"-l{module}" in wanted]
            command = list(args)
            command[command.index("-o") + 1] = os.path.join(out_dir, product)
            command += ["-static-stdlib"]
            if modules:
                command += [runtime_object(swift_bin, target, modules, work)]
            subprocess.run(command, check=True)
            print(os.path.join(out_dir, product))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except LinkError as error:
        print(f"link-static: {error}", file=sys.stderr)
        sys.exit(1)
    except subprocess.CalledProcessError as error:
        print(f"link-static: {' '.join(error.cmd[:3])} ... failed with status {error.returncode}", file=sys.stderr)
        sys.exit(1)
