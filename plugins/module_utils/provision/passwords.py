# -*- coding: utf-8 -*-
# Copyright (c) jml.provisioning contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Initial passwords every target that sets one generates the same way (for internal use)."""

from __future__ import annotations

import re
import secrets as _secrets


def forbidden_tokens(login=None, display_name=None):
    """What Windows' complexity check refuses in a password: the sAMAccountName (when it is
    longer than 2 characters) and every token of 3 or more characters of the display name, split
    at the characters Windows splits at (comma, period, dash, underscore, hash, white space)."""
    tokens = set()
    if login and len(login) > 2:
        tokens.add(login.lower())
    for token in re.split(r"[,.\-_#\s\t]+", display_name or ""):
        if len(token) >= 3:
            tokens.add(token.lower())
    return tokens


def generate_password(length, avoid=()):
    """A random password of ``length`` characters (at least 12) with an upper-case letter, a
    lower-case letter, a digit and a symbol: it meets AD's default complexity policy. ``avoid``:
    texts it must not contain, case-insensitively (``forbidden_tokens``): drawn again until it
    does not (a 3-letter token turns up by chance in about one password in a few thousand)."""
    classes = ("ABCDEFGHJKLMNPQRSTUVWXYZ", "abcdefghijkmnopqrstuvwxyz", "23456789", "-_.!#%+")
    alphabet = "".join(classes)
    length = max(length, 12)
    while True:
        chosen = [_secrets.choice(c) for c in classes] + [_secrets.choice(alphabet) for dummy in range(length - 4)]
        _secrets.SystemRandom().shuffle(chosen)
        password = "".join(chosen)
        lowered = password.lower()
        if not any(token in lowered for token in avoid):
            return password
