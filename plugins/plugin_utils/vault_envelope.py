# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The ansible-vault 1.1/1.2 AES256 envelope, streamed (for internal use).

Byte-compatible with ``ansible-vault`` (the tests decrypt our files with Ansible's ``VaultLib``
and Ansible's files with this module), but it writes and reads in pieces: Ansible's
``VaultLib.encrypt`` holds the whole 4x hex-expanded text several times over and splits it into
millions of 80-column slices, which at 100k persons costs ~0.8 GiB and ~2 s more than the
collect itself. The format, as documented for ansible-vault:

- header ``$ANSIBLE_VAULT;1.1;AES256`` (``;1.2;AES256;<vault id>`` with a vault id);
- keys: PBKDF2-HMAC-SHA256(secret, 32-byte salt, 10000 rounds) -> 32-byte AES key, 32-byte HMAC
  key, 16-byte counter; AES-256-CTR over the PKCS7-padded plaintext; HMAC-SHA256 of the ciphertext;
- body: hex(hex(salt) + LF + hex(hmac) + LF + hex(ciphertext)), in lines of 80 characters.
"""

from __future__ import annotations

import binascii
import hmac as _hmac
import io
import itertools
import os

try:  # ansible-core's own vault needs cryptography too; guarded for ansible-test's import check
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives import hmac as crypto_hmac
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
    HAS_CRYPTOGRAPHY = True
except ImportError:  # pragma: no cover
    HAS_CRYPTOGRAPHY = False

HEADER = b"$ANSIBLE_VAULT"
_CHUNK = 1 << 20          # plaintext bytes encrypted per step (of one given whole)
_LINE_BYTES = 40          # inner bytes per 80-character line


class EnvelopeError(ValueError):
    """Not an envelope this module reads, or no secret opens it (the message says which)."""


def _keys(secret, salt):
    if not HAS_CRYPTOGRAPHY:
        raise EnvelopeError("the Python package cryptography is required for vault encryption")
    derived = PBKDF2HMAC(algorithm=hashes.SHA256(), length=80, salt=salt, iterations=10000).derive(secret)
    return derived[:32], derived[32:64], derived[64:80]


def _header(vault_id):
    if vault_id and vault_id != "default":
        return b";".join([HEADER, b"1.2", b"AES256", vault_id.encode("utf-8")])
    return b";".join([HEADER, b"1.1", b"AES256"])


_HEAD_BYTES = 160         # inner bytes of the first four lines: hex(salt) LF hex(hmac) LF and the start of the ciphertext


class _Lines(object):
    """The outer hex of the inner bytes, written as they come in lines of 80 characters; the
    first ``_HEAD_BYTES`` inner bytes are kept, to rewrite the HMAC's place at the end."""

    def __init__(self, handle):
        self.handle, self.start = handle, handle.tell()
        self.pending, self.head, self.first = b"", b"", True

    def add(self, inner):
        if len(self.head) < _HEAD_BYTES:
            self.head += inner[:_HEAD_BYTES - len(self.head)]
        self.pending += inner
        usable = len(self.pending) - len(self.pending) % _LINE_BYTES
        if usable:
            self._write(self.pending[:usable])
            self.pending = self.pending[usable:]

    def finish(self):
        if self.pending:
            self._write(self.pending)
        self.handle.write(b"\n")

    def _write(self, inner):
        self.handle.write((b"" if self.first else b"\n") + binascii.hexlify(inner, b"\n", -_LINE_BYTES))
        self.first = False

    def rewrite_head(self, head):
        """Overwrite the first lines with ``head`` (as many inner bytes as were kept: same length)."""
        end = self.handle.tell()
        self.handle.seek(self.start)
        self.handle.write(binascii.hexlify(head, b"\n", -_LINE_BYTES))
        self.handle.seek(end)


def write(handle, plaintext, secret, vault_id=None):
    """Encrypt ``plaintext`` (bytes) with ``secret`` (bytes) and write the envelope to ``handle``."""
    view = memoryview(plaintext)
    write_pieces(handle, (view[start:start + _CHUNK] for start in range(0, len(view), _CHUNK)), secret, vault_id)


def write_pieces(handle, pieces, secret, vault_id=None):
    """Encrypt the plaintext that comes in ``pieces`` (bytes each) and write the envelope to
    ``handle`` (a seekable binary file), one piece at a time.

    The HMAC is first in the body but known only at the end: its place is written with zeros
    and overwritten when the ciphertext is done (the lines before it have a fixed length). So a
    100k-person vault is never held whole as plaintext, ciphertext and hex at once."""
    salt = os.urandom(32)
    key, mac_key, counter = _keys(secret, salt)
    encryptor = Cipher(algorithms.AES(key), modes.CTR(counter)).encryptor()
    signer = crypto_hmac.HMAC(mac_key, hashes.SHA256())
    handle.write(_header(vault_id) + b"\n")
    lines = _Lines(handle)
    prefix = binascii.hexlify(salt) + b"\n"
    lines.add(prefix + b"0" * 64 + b"\n")
    size = 0
    for piece in pieces:
        size += len(piece)
        chunk = encryptor.update(piece)
        signer.update(chunk)
        lines.add(binascii.hexlify(chunk))
    padding = 16 - size % 16  # PKCS7: always 1..16 bytes, each the count
    chunk = encryptor.update(bytes([padding]) * padding) + encryptor.finalize()
    signer.update(chunk)
    lines.add(binascii.hexlify(chunk))
    lines.finish()
    mac_line = binascii.hexlify(signer.finalize()) + b"\n"
    lines.rewrite_head(prefix + mac_line + lines.head[len(prefix) + len(mac_line):])


def is_envelope(data):
    return data.lstrip()[:len(HEADER)] == HEADER


def read(data, secrets):
    """Decrypt an envelope (bytes) with the first of ``secrets`` (``[(vault_id, secret bytes)]``)
    that opens it; the header's vault id is tried first, as ansible-vault does."""
    return read_file(io.BytesIO(data), secrets)


def read_file(handle, secrets):
    """``read`` from a binary file object, in pieces: the hex text (4x the plaintext) is never
    held whole, so the plaintext is the largest thing in memory (at 100k persons the whole-file
    way peaked at ~470 MB of copies for a 39 MB vault)."""
    start = handle.tell()
    line = handle.readline()
    while line and not line.strip():
        line = handle.readline()
    header = line.strip().split(b";")
    if len(header) < 3 or header[0] != HEADER or header[1] not in (b"1.1", b"1.2") or header[2] != b"AES256":
        raise EnvelopeError("not an ansible-vault AES256 envelope")
    label = header[3].decode("utf-8", "replace") if len(header) > 3 else None
    body = handle.tell()
    ordered = sorted(secrets, key=lambda s: 0 if label and s[0] == label else 1)
    for dummy, secret in ordered:
        handle.seek(body)
        plaintext = _open(_inner_pieces_of(handle), secret)
        if plaintext is not None:
            return plaintext
    handle.seek(start)
    raise EnvelopeError("none of the vault secrets opens it")


def _unhex_pieces(pieces):
    """Hex text in pieces (line breaks anywhere) -> the bytes it encodes, in pieces."""
    pending = b""
    for piece in pieces:
        piece = pending + piece
        even = len(piece) - len(piece) % 2
        pending = piece[even:]
        if even:
            yield binascii.unhexlify(piece[:even])
    if pending:
        raise binascii.Error("odd number of hex digits")


def _inner_pieces_of(handle):
    """The envelope's inner bytes (``hex(salt) LF hex(hmac) LF hex(ciphertext)``), in pieces."""
    def text():
        for block in iter(lambda: handle.read(_CHUNK * 4), b""):
            yield block.translate(None, b"\r\n \t")
    return _unhex_pieces(text())


def _open(pieces, secret):
    """The plaintext if ``secret`` opens the envelope whose inner bytes come in ``pieces``, else None."""
    try:
        head, ciphertext_hex = b"", []
        for piece in pieces:  # the salt and HMAC lines come first, short
            head += piece
            if head.count(b"\n") >= 2:
                salt_hex, mac_hex, rest = head.split(b"\n", 2)
                ciphertext_hex = [rest]
                break
        else:
            raise EnvelopeError("the envelope's body is damaged")
        salt, mac = binascii.unhexlify(salt_hex), binascii.unhexlify(mac_hex)
        key, mac_key, counter = _keys(secret, salt)
        signer = crypto_hmac.HMAC(mac_key, hashes.SHA256())
        decryptor = Cipher(algorithms.AES(key), modes.CTR(counter)).decryptor()
        plaintext = bytearray()
        for chunk in _unhex_pieces(itertools.chain(ciphertext_hex, pieces)):
            signer.update(chunk)
            plaintext += decryptor.update(chunk)
        plaintext += decryptor.finalize()
    except (binascii.Error, ValueError):
        raise EnvelopeError("the envelope's body is damaged")
    if not _hmac.compare_digest(signer.finalize(), mac):
        return None
    size = plaintext[-1] if plaintext else 0
    if not 1 <= size <= 16 or plaintext[-size:] != bytes([size]) * size:
        raise EnvelopeError("the envelope's padding is damaged")
    del plaintext[-size:]
    return bytes(plaintext)
