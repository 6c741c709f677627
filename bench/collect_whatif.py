# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What-if: the in-process collect (collect_phases.py) with candidate engine fixes patched in.

    .venv/bin/python bench/collect_whatif.py --vars VARS.json --password-file PW \
        [--fix gc,dates,plan,jinja,envelope | --fix all | --fix none] [--mode fresh|recollect] [--verify]

Nothing in the collection is edited: the fixes are monkeypatches applied in this process only, to
estimate what each would save before anyone writes it properly. ``--verify`` first runs the
unpatched ``collect()`` and checks the patched run writes the very same persons (and that the
vault it writes decrypts with ansible's own VaultLib).

Fixes (each independent):

- ``gc``: ``gc.freeze()`` + ``gc.disable()`` for the whole collect (the collect builds millions of
  acyclic dicts; every generation-2 pass walks all of them), re-enabled afterwards.
- ``dates``: a memo dict in front of ``MappingSet._date`` (a few thousand distinct dates).
- ``plan``: ``MappingSet._map`` with a plan precomputed once per field list: dotted names split once,
  path expressions walked inline without ``**scope`` re-packing, date/required/allowed checks
  precomputed. Same semantics as the engine's ``_map`` (checked by --verify).
- ``jinja``: Jinja expressions evaluated with ``template.new_context(scope, shared=True)`` (skips the
  per-call merge with Jinja's globals and the kwargs re-pack). NOTE: drops Jinja globals (range,
  dict, lipsum, cycler, joiner, namespace) from mapping expressions: a sketch of the cost, not a fix
  as is. Compiling the common expression shapes to Python closures would save more.
- ``droprows``: the source rows released right after ``collect()`` (the action keeps them alive until
  it returns), so their memory is reused while serialising.
- ``stream``: serialise, encrypt and write with a bounded extra memory: AES-CTR + HMAC over the
  JSON bytes in 1 MiB pieces, then the envelope written to the file in 80-column blocks straight
  from the ciphertext (byte-identical to ``VaultLib.encrypt`` with the same salt: checked on the
  first use). Replaces the ``envelope`` fix on the write side.
- ``envelope``: the ansible-vault envelope built with ``binascii.hexlify(inner, b"\\n", -40)`` (one
  C call, 80-column lines) instead of ``format_vaulttext_envelope``'s 2.8 million slices, and the
  reverse with ``bytes.replace`` + ``unhexlify`` when reading. Byte-compatible with ansible-vault.
"""

from __future__ import annotations

import argparse
import binascii
import datetime
import gc
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, ".build", "collections"))
sys.path.insert(0, os.path.join(ROOT, "bench"))

ALL_FIXES = ("gc", "dates", "plan", "jinja", "envelope", "droprows", "stream")
ORIGINAL_DECRYPT = None


def patch_dates(mapping_mod):
    original = mapping_mod.MappingSet._date

    def _date(self, value, field):
        if isinstance(value, str):
            memo = self.__dict__.setdefault("_bench_date_memo", {})
            hit = memo.get(value)
            if hit is None:
                hit = memo[value] = original(self, value, field)  # raises on a bad date: not memoised
            return hit
        return original(self, value, field)

    mapping_mod.MappingSet._date = _date


def patch_plan(mapping_mod):
    RowProblem, ExpressionError = mapping_mod._RowProblem, mapping_mod.ExpressionError

    def plan_of(self, exprs, part):
        plans = self.__dict__.setdefault("_bench_plans", {})
        plan = plans.get(id(exprs))
        if plan is None:
            fields = []
            for field, expr in exprs.items():
                keys = tuple(field.split("."))
                path = getattr(expr, "_path", None)
                fields.append((field, expr, tuple(path) if path is not None else None, keys,
                               part == "contract" and field in self.date_fields, "%s.%s" % (part, field)))
            required = [(r, tuple(r.partition(".")[2].split(".")))
                        for r in self.required if r.partition(".")[0] == part]
            allowed = [(c, tuple(c.partition(".")[2].split(".")), values) for c, values in self.allowed.items()
                       if c.partition(".")[0] == part]
            plan = plans[id(exprs)] = (fields, required, allowed)
        return plan

    def get_path(out, keys):
        for key in keys:
            if not isinstance(out, dict):
                return None
            out = out.get(key)
        return out

    def _map(self, exprs, part, scope):
        fields, required, allowed = plan_of(self, exprs, part)
        out = {}
        for field, expr, path, keys, is_date, label in fields:
            if path is not None:
                value = scope.get(path[0])
                for key in path[1:]:
                    if isinstance(value, dict):
                        value = value.get(key)
                    else:
                        value = None
                    if value is None:
                        break
            else:
                try:
                    value = expr(**scope)
                except ExpressionError as exc:
                    raise RowProblem(label, "mapping expression failed on this row (%s)" % (exc.kind or "error"))
            if isinstance(value, str):
                value = value.strip() or None
            if value is not None and is_date:
                value = self._date(value, label)
            if len(keys) == 1:
                out[keys[0]] = value
            else:
                target = out
                for key in keys[:-1]:
                    target = target.setdefault(key, {})
                target[keys[-1]] = value
        for name, keys in required:
            if get_path(out, keys) is None:
                raise RowProblem(name, "required value is empty")
        for name, keys, values in allowed:
            value = get_path(out, keys)
            if value is not None and str(value) not in values:
                raise RowProblem(name, "value is not one of the allowed codes")
        return out

    mapping_mod.MappingSet._map = _map


def patch_jinja(expressions_mod):
    from jinja2.utils import consume
    from jinja2 import ChainableUndefined
    Expression, ExpressionError = expressions_mod.Expression, expressions_mod.ExpressionError
    original = Expression.__call__

    def __call__(self, **scope):
        if self._path is not None:
            return original(self, **scope)
        template = self._compiled._template
        try:
            context = template.new_context(scope, shared=True)
            consume(template.root_render_func(context))
            value = context.vars["result"]
        except Exception as exc:
            raise ExpressionError("%s: expression %r failed: %s" % (self.label, self.source, exc),
                                  kind=type(exc).__name__)
        return None if isinstance(value, ChainableUndefined) else value

    Expression.__call__ = __call__


def patch_envelope():
    from ansible.module_utils.common.text.converters import to_bytes
    from ansible.parsing.vault import VaultAES256, VaultLib, is_encrypted
    original_encrypt, original_decrypt = VaultLib.encrypt, VaultLib.decrypt

    def encrypt(self, plaintext, secret=None, vault_id=None, salt=None):
        if secret is None or (vault_id and vault_id != "default"):
            return original_encrypt(self, plaintext, secret=secret, vault_id=vault_id, salt=salt)
        b_plaintext = to_bytes(plaintext, errors="surrogate_or_strict")
        if is_encrypted(b_plaintext):
            return original_encrypt(self, plaintext, secret=secret, vault_id=vault_id, salt=salt)
        b_salt = to_bytes(salt) if salt else os.urandom(32)
        key1, key2, iv = VaultAES256._gen_key_initctr(secret.bytes, b_salt)
        b_hmac, b_ciphertext_hex = VaultAES256._encrypt_cryptography(b_plaintext, key1, key2, iv)
        inner = b"\n".join([binascii.hexlify(b_salt), b_hmac, b_ciphertext_hex])
        return b"$ANSIBLE_VAULT;1.1;AES256\n" + binascii.hexlify(inner, b"\n", -40) + b"\n"

    def decrypt(self, vaulttext):
        b_text = to_bytes(vaulttext)
        header, sep, body = b_text.partition(b"\n")
        if header.strip() != b"$ANSIBLE_VAULT;1.1;AES256" or len(self.secrets or []) != 1:
            return original_decrypt(self, vaulttext)
        inner = binascii.unhexlify(body.replace(b"\n", b"").replace(b"\r", b""))
        b_salt_hex, b_hmac, b_ciphertext_hex = inner.split(b"\n", 2)
        b_salt = binascii.unhexlify(b_salt_hex)
        key1, key2, iv = VaultAES256._gen_key_initctr(self.secrets[0][1].bytes, b_salt)
        return VaultAES256._decrypt_cryptography(binascii.unhexlify(b_ciphertext_hex), b_hmac, key1, key2, iv)

    VaultLib.encrypt, VaultLib.decrypt = encrypt, decrypt


def stream_write(path, document, secrets, mark, check=True):
    """Serialise + encrypt + write the vault in pieces; ansible-vault 1.1 AES256, byte-identical."""
    from cryptography.hazmat.primitives import hashes, hmac as c_hmac, padding
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    from ansible.parsing.vault import VaultAES256, VaultLib
    from ansible_collections.jml.provisioning.plugins.module_utils.collect import vault_doc
    data = vault_doc.dumps(document).encode("utf-8")
    mark("write: serialise (vault_doc.dumps)")
    secret = secrets[0][1]
    salt = os.urandom(32)
    key1, key2, iv = VaultAES256._gen_key_initctr(secret.bytes, salt)
    encryptor = Cipher(algorithms.AES(key1), modes.CTR(iv)).encryptor()
    signer = c_hmac.HMAC(key2, hashes.SHA256())
    piece = 1 << 20
    view = memoryview(data)
    bulk = len(data) - len(data) % 16
    parts = []
    for start in range(0, bulk, piece):
        parts.append(encryptor.update(view[start:min(start + piece, bulk)]))
    padder = padding.PKCS7(128).padder()
    parts.append(encryptor.update(padder.update(bytes(view[bulk:])) + padder.finalize()) + encryptor.finalize())
    del view
    for part in parts:
        signer.update(part)
    b_hmac = binascii.hexlify(signer.finalize())
    if check and ORIGINAL_ENCRYPT is not None:
        reference = ORIGINAL_ENCRYPT(VaultLib(secrets), data, secret=secret, salt=salt)
    else:
        reference = None
    del data
    mark("write: encrypt (AES-CTR + HMAC, in pieces)")
    tmp = path + ".bench-tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    written = []
    with os.fdopen(fd, "wb") as handle:
        def emit(chunk):
            handle.write(chunk)
            if reference is not None:
                written.append(chunk)
        emit(b"$ANSIBLE_VAULT;1.1;AES256\n")
        pending = binascii.hexlify(salt) + b"\n" + b_hmac + b"\n"
        for part in parts:
            for start in range(0, len(part), piece):
                pending += binascii.hexlify(part[start:start + piece])
                cut = len(pending) - len(pending) % 40
                if cut:
                    emit(binascii.hexlify(pending[:cut], b"\n", -40) + b"\n")
                    pending = pending[cut:]
        if pending:
            emit(binascii.hexlify(pending, b"\n", -40) + b"\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    if reference is not None:
        assert b"".join(written) == reference, "streamed vault differs from VaultLib.encrypt"
        print("stream: byte-identical to VaultLib.encrypt with the same salt (checked)")
    mark("write: envelope + file + fsync (streamed)")


ORIGINAL_ENCRYPT = None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--vars", required=True)
    parser.add_argument("--password-file", required=True)
    parser.add_argument("--mode", choices=("fresh", "recollect"), default="fresh")
    parser.add_argument("--fix", default="all", help="comma-separated: %s; or all, none" % ", ".join(ALL_FIXES))
    parser.add_argument("--verify", action="store_true", help="compare with the unpatched collect()")
    args = parser.parse_args(argv)
    fixes = ALL_FIXES if args.fix == "all" else () if args.fix == "none" else tuple(args.fix.split(","))
    unknown = set(fixes) - set(ALL_FIXES)
    if unknown:
        parser.error("unknown fix: %s" % ", ".join(sorted(unknown)))

    import collect_phases
    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
    from ansible.parsing.vault import VaultLib, VaultSecret
    global ORIGINAL_DECRYPT, ORIGINAL_ENCRYPT
    ORIGINAL_DECRYPT, ORIGINAL_ENCRYPT = VaultLib.decrypt, VaultLib.encrypt
    from ansible_collections.jml.provisioning.plugins.module_utils.collect import collect as collect_mod
    from ansible_collections.jml.provisioning.plugins.module_utils.expressions import expression as expressions_mod
    from ansible_collections.jml.provisioning.plugins.module_utils.collect import mapping as mapping_mod
    from ansible_collections.jml.provisioning.plugins.module_utils.options import HR_COLLECT_SPEC

    with open(args.vars, encoding="utf-8") as handle:
        extra = json.load(handle)
    with open(args.password_file, "rb") as handle:
        secret = VaultSecret(handle.read().strip())
    reference = None
    if args.verify:
        sources = ArgumentSpecValidator(HR_COLLECT_SPEC).validate(
            {"vault": extra["jml_vault_path"], "sources": extra["jml_sources"]}).validated_parameters["sources"]
        data = dict((s["name"], collect_mod.read_source(s)) for s in sources)
        now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        outcome = collect_mod.collect(sources, data, None, now.isoformat().replace("+00:00", "Z"), today=now.date())
        reference = (outcome.document["persons"], len(outcome.rejections))
        del data, outcome
        gc.collect()

    if "dates" in fixes:
        patch_dates(mapping_mod)
    if "plan" in fixes:
        patch_plan(mapping_mod)
    if "jinja" in fixes:
        patch_jinja(expressions_mod)
    if "envelope" in fixes:
        patch_envelope()
    if "gc" in fixes:
        gc.collect()
        gc.freeze()
        gc.disable()
    hooks = {}
    if "droprows" in fixes:
        hooks["after_collect"] = lambda sources: sources.clear()
    if "stream" in fixes:
        hooks["write"] = lambda path, document, secrets, mark: stream_write(path, document, secrets, mark,
                                                                            check=args.verify)
    out = collect_phases.run(args.vars, args.password_file, args.mode, hooks=hooks)
    if "gc" in fixes:
        gc.enable()
    print("fixes: %s" % (", ".join(fixes) or "none"))
    for step in out["steps"]:
        print("%-45s %8.3f s  %8.1f MiB" % (step["step"], step["seconds"], step["peak_rss_mib"]))
    print("%-45s %8.3f s  %8.1f MiB  (changed=%s, persons=%d, rejected=%d)"
          % ("total", out["total_seconds"], out["peak_rss_mib"], out["changed"], out["persons"], out["rejected"]))
    if reference is not None:
        with open(extra["jml_vault_path"], "rb") as handle:
            raw = handle.read()
        # ansible's own VaultLib.decrypt, whatever was patched
        document = json.loads(ORIGINAL_DECRYPT(VaultLib([("default", secret)]), raw))
        same = document["persons"] == reference[0] and out["rejected"] == reference[1]
        print("verify: vault decrypts with ansible's VaultLib; same persons and rejections as unpatched collect(): %s"
              % same)
        if not same:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
