#!/usr/bin/env python3
"""deploy/Dockerfile's runtime stage installs a package for every shared library the built
pullkeeper binary needs beyond the C/C++ runtime and libcurl's own dependencies (no docker here:
this compares `ldd` of the test build with the Dockerfile's package list through dpkg)."""

import os
import re
import subprocess
import sys
import unittest
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO_ROOT / "deploy" / "Dockerfile"
# Brought in by libcurl4 (and libc6/libstdc++6, which every Debian image has).
COVERED_BY_BASE = {"libc6", "libstdc++6", "libgcc-s1", "libcurl4", "libssl3", "zlib1g"}


def runtime_packages() -> set[str]:
    text = DOCKERFILE.read_text()
    runtime = text[text.rindex("FROM "):]
    match = re.search(r"apt-get install[^\\]*\\\n(.*?)&&", runtime, re.S)
    return set(match.group(1).replace("\\", " ").split()) if match else set()


def packages_of_binary(binary: Path) -> set[str]:
    """The Debian packages that own the libraries pullkeeper links directly (NEEDED)."""
    dynamic = subprocess.run(["objdump", "-p", str(binary)], capture_output=True, text=True,
                             check=True).stdout
    needed = re.findall(r"NEEDED\s+(\S+)", dynamic)
    resolved = subprocess.run(["ldd", str(binary)], capture_output=True, text=True,
                              check=True).stdout
    paths = {name: path for name, path in re.findall(r"(\S+) => (\S+)", resolved)}
    owners = set()
    for library in needed:
        if library.startswith(("ld-linux", "linux-vdso")) or library not in paths:
            continue
        owner = subprocess.run(["dpkg", "-S", os.path.realpath(paths[library])],
                               capture_output=True, text=True)
        if owner.returncode == 0:
            owners.add(owner.stdout.split(":")[0])
    return owners


class RuntimeStage(unittest.TestCase):
    def test_every_linked_library_has_its_package_in_the_runtime_stage(self):
        binary = Path(os.environ.get("PULLKEEPER_BIN", REPO_ROOT / "build/src/cli/pullkeeper"))
        if not binary.is_file():
            self.skipTest(f"pullkeeper binary not found at {binary}")
        missing = packages_of_binary(binary) - runtime_packages() - COVERED_BY_BASE
        self.assertEqual(missing, set(), f"add these to deploy/Dockerfile's runtime stage")


if __name__ == "__main__":
    unittest.main(verbosity=2)
