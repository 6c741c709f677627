# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The streamed vault envelope is ansible-vault's format: each side opens the other's files."""

from __future__ import annotations

import io
import os

import pytest
from ansible.parsing.vault import VaultLib, VaultSecret

from ansible_collections.jml.provisioning.plugins.plugin_utils import vault_envelope


def ours(plaintext, secret=b"s3cret", vault_id=None):
    buffer = io.BytesIO()
    vault_envelope.write(buffer, plaintext, secret, vault_id)
    return buffer.getvalue()


@pytest.mark.parametrize("size", [0, 1, 15, 16, 17, 39, 40, 41, 79, 80, 4096, (1 << 20) + 3])
@pytest.mark.parametrize("vault_id", [None, "prod"])
def test_each_side_opens_the_others_envelope_with_the_same_layout(size, vault_id):
    plaintext = os.urandom(size)
    library = VaultLib([(vault_id or "default", VaultSecret(b"s3cret"))])
    mine = ours(plaintext, vault_id=vault_id)
    assert library.decrypt(mine) == plaintext
    theirs = library.encrypt(plaintext, vault_id=vault_id)
    assert vault_envelope.read(theirs, [(vault_id or "default", b"s3cret")]) == plaintext
    assert [len(line) for line in mine.split(b"\n")] == [len(line) for line in theirs.split(b"\n")]
    assert mine.split(b"\n", maxsplit=1)[0] == theirs.split(b"\n", maxsplit=1)[0]


def test_the_right_secret_is_found_among_several_and_a_wrong_one_is_refused():
    envelope = ours(b'{"format": "x"}', secret=b"right", vault_id="prod")
    assert vault_envelope.read(envelope, [("dev", b"wrong"), ("prod", b"right")]) == b'{"format": "x"}'
    with pytest.raises(vault_envelope.EnvelopeError, match="none of the vault secrets"):
        vault_envelope.read(envelope, [("dev", b"wrong")])


def test_a_damaged_envelope_is_refused_clearly():
    envelope = bytearray(ours(b"payload" * 100))
    envelope[60] = ord("z")
    with pytest.raises(vault_envelope.EnvelopeError, match="damaged"):
        vault_envelope.read(bytes(envelope), [("default", b"s3cret")])
    with pytest.raises(vault_envelope.EnvelopeError, match="not an ansible-vault"):
        vault_envelope.read(b"$ANSIBLE_VAULT;9.9;ROT13\n00", [("default", b"s3cret")])


@pytest.mark.parametrize("chunk", [1, 5, 7, 64])
def test_reading_in_pieces_of_any_size_gives_the_same_plaintext(monkeypatch, chunk):
    # Pieces end anywhere: inside a line, between the two hex digits of a byte, on the separators.
    plaintext = os.urandom(3001)
    theirs = VaultLib([("default", VaultSecret(b"s3cret"))]).encrypt(plaintext)
    monkeypatch.setattr(vault_envelope, "_CHUNK", chunk)
    assert vault_envelope.read_file(io.BytesIO(theirs), [("default", b"s3cret")]) == plaintext


@pytest.mark.parametrize("sizes", [[0], [1], [], [16, 0, 16], [39, 1, 40], [130], [7] * 50, [1 << 20, 5]])
@pytest.mark.parametrize("vault_id", [None, "prod"])
def test_an_envelope_written_in_pieces_is_ansibles_format_with_the_same_layout(sizes, vault_id):
    # The HMAC is written last, over its placeholder in the first lines: every size of piece,
    # and a file that does not start at offset 0, give what Ansible opens and lays out alike.
    pieces = [os.urandom(size) for size in sizes]
    plaintext = b"".join(pieces)
    buffer = io.BytesIO()
    buffer.write(b"before")
    vault_envelope.write_pieces(buffer, iter(pieces), b"s3cret", vault_id)
    mine = buffer.getvalue()[len(b"before"):]
    assert VaultLib([(vault_id or "default", VaultSecret(b"s3cret"))]).decrypt(mine) == plaintext
    whole = ours(plaintext, vault_id=vault_id)
    assert [len(line) for line in mine.split(b"\n")] == [len(line) for line in whole.split(b"\n")]
    assert buffer.tell() == len(buffer.getvalue())  # left at the end, for whatever the caller writes next
