#!/usr/bin/env python3
"""The Pod members doctor leaves out while reading must be ones no check reads.

src/doctor/unread_pod_fields.cc lists, per part of a Pod, the members the snapshot reader does
not build (they are half of a large snapshot's values). A check that reads one of them would
silently see it missing. The checks read members by name, as string literals ("image",
"secretKeyRef"), so a name on the lists that appears as a literal anywhere else in src/doctor
is a check about to read what is no longer there: this test fails until the name is taken off
the list, or the literal is shown to be about another kind (EXCEPTIONS).
"""

import re
import sys
import unittest
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DOCTOR = REPO / "src" / "doctor"
LISTS = DOCTOR / "unread_pod_fields.cc"

# Names that also appear as literals elsewhere in src/doctor, with why a Pod's member of that
# name is still never read.
EXCEPTIONS = {
    "conditions": "Condition() (internal/json_fields.cc) is called for Jobs (Complete) and "
                  "ExternalSecrets (Ready) only; no check reads a Pod's conditions",
}


def listed_names() -> dict[str, str]:
    """Every name on the lists, with the list it is on."""
    text = LISTS.read_text()
    names = {}
    for match in re.finditer(r"constexpr std::string_view (k\w+)\[\] = \{(.*?)\};", text, re.S):
        for name in re.findall(r'"([^"\\]+)"', match.group(2)):
            names[name] = match.group(1)
    return names


def literals_elsewhere() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in sorted(DOCTOR.rglob("*")):
        if path.suffix not in (".cc", ".h") or path.name.startswith("unread_pod_fields."):
            continue
        for name in re.findall(r'"([A-Za-z][A-Za-z0-9]*)"', path.read_text()):
            found.setdefault(name, []).append(str(path.relative_to(REPO)))
    return found


class UnreadPodFieldsTest(unittest.TestCase):
    def test_the_lists_are_found(self):
        names = listed_names()
        # One list per part that loses members; a parse that finds none would pass vacuously.
        self.assertEqual(len(set(names.values())), 7, names)
        self.assertIn("readinessProbe", names)
        self.assertIn("managedFields", names)

    def test_no_check_reads_a_listed_member(self):
        literals = literals_elsewhere()
        for name, list_name in sorted(listed_names().items()):
            if name in EXCEPTIONS:
                continue
            with self.subTest(name=name):
                self.assertNotIn(
                    name, literals,
                    f'"{name}" is on {list_name} in {LISTS.relative_to(REPO)} (left out of '
                    f"every Pod) but appears in {sorted(set(literals.get(name, [])))}: take it "
                    "off the list, or add it to EXCEPTIONS with the reason no Pod's member "
                    "of that name is read")

    def test_exceptions_are_still_needed(self):
        names, literals = listed_names(), literals_elsewhere()
        for name in EXCEPTIONS:
            with self.subTest(name=name):
                self.assertIn(name, names, "no longer on a list: drop the exception")
                self.assertIn(name, literals, "no longer read anywhere: drop the exception")

    def test_what_the_checks_read_is_kept(self):
        # The members the pull and secret checks are built on, by the parts they sit in.
        names = listed_names()
        for kept in ("name", "namespace", "labels", "annotations", "ownerReferences", "image",
                     "env", "envFrom", "volumes", "secret", "projected", "sources",
                     "imagePullSecrets", "serviceAccountName", "containers", "initContainers",
                     "containerStatuses", "initContainerStatuses", "state", "lastState",
                     "phase", "startTime"):
            with self.subTest(kept=kept):
                self.assertNotIn(kept, names)


if __name__ == "__main__":
    sys.exit(unittest.main())
