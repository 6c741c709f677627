"""The execution environment: `ansible-builder create` from the repository, and the context it
generates checked for what the image build will do with it (no container engine needed).

The two steps of the build that matter to this collection are replayed here on the generated
context itself: the galaxy stage (`ansible-galaxy collection install -r requirements.yml` in
`_build/`, offline) and the builder stage's dependency introspection (ansible-builder's own
`introspect.py` from the context, over the collection installed by the first step).
"""

import json
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement

from jml_workspace import ROOT

BIN = Path(sys.executable).parent
EE_FILE = ROOT / "execution-environment.yml"


def run(cmd, cwd, env=None, timeout=120):
    proc = subprocess.run([str(c) for c in cmd], cwd=str(cwd), env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True, timeout=timeout, check=False)
    assert proc.returncode == 0, "%s failed (rc %s):\n%s" % (" ".join(map(str, cmd)), proc.returncode, proc.stdout[-4000:])
    return proc.stdout


@pytest.fixture(scope="module")
def context(tmp_path_factory):
    """`ansible-builder create` of the repository's EE file, as `make ee` runs it."""
    builder = shutil.which("ansible-builder", path=str(BIN))
    assert builder, "ansible-builder is not installed: pip install -r requirements-dev.txt"
    out = tmp_path_factory.mktemp("ee") / "context"
    run([builder, "create", "-f", EE_FILE, "-c", out, "--output-filename", "Containerfile", "-v", "3"], ROOT)
    return out


@pytest.fixture(scope="module")
def installed(context, tmp_path_factory):
    """The galaxy stage: the collection installed from the context alone, without any server."""
    dest = tmp_path_factory.mktemp("ee-collections")
    home = tmp_path_factory.mktemp("ee-home")
    env = {"PATH": "%s:/usr/bin:/bin" % BIN, "HOME": str(home), "ANSIBLE_HOME": str(home),
           "ANSIBLE_GALAXY_SERVER": "http://127.0.0.1:9/unreachable"}  # nothing may come from a server
    run([BIN / "ansible-galaxy", "collection", "install", "-r", "requirements.yml", "-p", dest], context / "_build", env)
    return dest / "ansible_collections" / "jml" / "provisioning"


def test_containerfile_installs_the_collection_and_its_requirements(context):
    containerfile = (context / "Containerfile").read_text()
    assert "FROM $EE_BASE_IMAGE" in containerfile
    assert "ansible-galaxy collection install" in containerfile and "-r requirements.yml" in containerfile
    assert "COPY _build/requirements.txt requirements.txt" in containerfile
    assert "COPY _build/bindep.txt bindep.txt" in containerfile
    assert "introspect" in containerfile and "--user-pip=requirements.txt" in containerfile
    # ansible-core and ansible-runner as the EE file pins them, on Python 3.11 (the SCIM libraries need it).
    assert "ansible-core>=2.19,<2.20" in containerfile and "ansible-runner>=2.4,<3" in containerfile
    assert "python3.11" in containerfile


def test_context_holds_the_requirements_files(context):
    build = context / "_build"
    assert (build / "requirements.txt").read_text() == (ROOT / "requirements.txt").read_text()
    assert (build / "bindep.txt").read_text() == (ROOT / "bindep.txt").read_text()
    galaxy = yaml.safe_load((build / "requirements.yml").read_text())
    assert galaxy == {"collections": [{"name": "jml.provisioning/", "type": "dir"}]}
    meta = yaml.safe_load((build / "jml.provisioning" / "galaxy.yml").read_text())
    assert (meta["namespace"], meta["name"]) == ("jml", "provisioning")


def test_ee_file_and_collection_metadata_name_the_same_files():
    ee = yaml.safe_load(EE_FILE.read_text())
    meta = yaml.safe_load((ROOT / "meta" / "execution-environment.yml").read_text())
    assert ee["version"] == 3 and meta["version"] == 3
    assert ee["dependencies"]["python"] == meta["dependencies"]["python"] == "requirements.txt"
    assert ee["dependencies"]["system"] == meta["dependencies"]["system"] == "bindep.txt"


def test_context_installs_everything_the_collection_tarball_holds(installed, tmp_path):
    """What the EE installs is the collection as `ansible-galaxy collection build` packs it (less its
    tests): a new top-level file or folder missing from additional_build_files fails here."""
    run([BIN / "ansible-galaxy", "collection", "build", "--force", "--output-path", tmp_path], ROOT)
    tarball, = tmp_path.glob("jml-provisioning-*.tar.gz")
    with tarfile.open(tarball) as archive:
        packed = json.load(archive.extractfile("FILES.json"))
    # Not compared: tests/, and hidden top-level entries (tool settings such as .ansible-lint, which
    # the tarball may carry and an EE has no use for).
    from_tarball = set(f["name"] for f in packed["files"]
                       if f["name"].split("/")[0] != "tests" and (f["name"] == "." or not f["name"].startswith(".")))
    from_context = set(f["name"] for f in json.loads((installed / "FILES.json").read_text())["files"])
    assert from_tarball - from_context == set(), "add these to additional_build_files in execution-environment.yml"
    assert from_context - from_tarball == set()
    manifest = json.loads((installed / "MANIFEST.json").read_text())["collection_info"]
    assert (manifest["namespace"], manifest["name"]) == ("jml", "provisioning")
    assert (installed / "meta" / "execution-environment.yml").is_file()
    assert (installed / "plugins" / "modules" / "ldap_accounts.py").is_file()


def test_builder_stage_finds_the_python_and_system_requirements(context, installed):
    """ansible-builder's introspection (the script in the context, run as the build runs it) merges
    the EE file's requirements with the installed collection's: the SCIM libraries keep their marker."""
    build = context / "_build"
    script = build / "scripts" / "introspect.py"
    assert script.is_file()
    out = installed.parents[2]
    pip_file, bindep_file = out / "requirements-all.txt", out / "bindep-all.txt"
    run([sys.executable, script, "introspect", "--user-pip=%s" % (build / "requirements.txt"),
         "--user-bindep=%s" % (build / "bindep.txt"), "--write-pip=%s" % pip_file,
         "--write-bindep=%s" % bindep_file, installed.parents[2]], build)
    wanted = {}
    for line in pip_file.read_text().splitlines():
        text = line.split("#", 1)[0].strip()
        if text:
            requirement = Requirement(text)
            wanted[requirement.name] = requirement
    assert set(wanted) >= {"ldap3", "jinja2", "pyyaml", "scim2-client", "scim2-models"}, wanted
    for name in ("scim2-client", "scim2-models"):
        assert str(wanted[name].marker) == 'python_version >= "3.11"', wanted[name]
    assert wanted["scim2-client"].extras == {"httpx2"}
    assert str(wanted["ldap3"].specifier) == str(Requirement("ldap3>=2.9.1,<3").specifier)
    # The collection needs no system package (ldap3 is pure Python); whatever bindep.txt lists
    # reaches the image's bindep list.
    listed = [line.split("#", 1)[0].strip() for line in (ROOT / "bindep.txt").read_text().splitlines()]
    for entry in filter(None, listed):
        assert entry.split()[0] in bindep_file.read_text()
