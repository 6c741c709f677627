#!/usr/bin/env python
"""The HelloID demo export exactly as the vendor published it.

The repository keeps T4E_HelloID_Contracts.csv without its UTF-8 byte order mark, because
ansible-test's sanity suite rejects any file that starts with one. Everything that reads the
export (the demo, the integration tests) uses a copy made here, with the BOM put back and every
file checked against the SHA-256 of the vendor's original, so the quirk is tested byte for byte.

Usage: python tests/support/helloid.py DEST_FOLDER
"""

import hashlib
import shutil
import sys
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[2] / "inventories" / "demo" / "hr" / "helloid"
VENDOR_SHA256 = {
    "T4E_HELLOID_OrganizationalFunctions.csv": "65d8155033de5f8d085c599e3130ce9c183754b81c211abda74261307e1a466f",
    "T4E_HELLOID_OrganizationalUnits.csv": "45f29f8cf907f253920501a8c83b35067adc250a5d9f7ce47fbabc4f374a4b25",
    "T4E_HELLOID_Persons.csv": "37528ef469e083b93e834abdf59308ade2ab63b4cb28545432fd3568fdb0f41e",
    "T4E_HelloID_Contracts.csv": "bceb937b138b4abc131bc4651fa03e92d2d3d5d66f9f705cbe2e7f77383aa593",
}
WITH_BOM = {"T4E_HelloID_Contracts.csv"}


def restore(dest):
    """Copy the export to ``dest`` byte-identical to the vendor's files; returns the folder."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    for name, digest in VENDOR_SHA256.items():
        data = (SOURCE / name).read_bytes()
        if name in WITH_BOM and not data.startswith(b"\xef\xbb\xbf"):
            data = b"\xef\xbb\xbf" + data
        if hashlib.sha256(data).hexdigest() != digest:
            raise SystemExit("%s differs from the vendor's published file" % name)
        (dest / name).write_bytes(data)
    shutil.copy(SOURCE / "SOURCE.md", dest / "SOURCE.md")
    return dest


if __name__ == "__main__":
    restore(sys.argv[1])
