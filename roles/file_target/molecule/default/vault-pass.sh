#!/bin/sh
# Vault password script of the molecule scenario (ANSIBLE_VAULT_PASSWORD_FILE in molecule.yml):
# prints a random password kept in molecule's ephemeral folder, created on first use. destroy
# prunes that folder, so every `molecule test` encrypts with a fresh password.
set -eu
pass_file="${MOLECULE_EPHEMERAL_DIRECTORY:?run through molecule}/vault-pass"
if [ ! -s "$pass_file" ]; then
    umask 077
    od -An -N24 -tx1 /dev/urandom | tr -d ' \n' >"$pass_file"
fi
cat "$pass_file"
