"""Stable pseudonymous keys: a keyed HMAC-SHA256 of a stable anchor (a set's or a person's first
reference), so the same woman keeps the same key on every run, and nobody without the secret
key can turn a key back into a reference or re-create keys from references.

The key comes from the environment, never from run config (which Dagster shows in its UI):
`TRAWL_PSEUDONYM_KEY`, or a file named by `TRAWL_PSEUDONYM_KEY_FILE`. Keep it as carefully as
the data: with it, keys can be recomputed from case references.
"""

import hashlib
import hmac
import os
from pathlib import Path

import dagster as dg
import duckdb
import pyarrow as pa

KEY_VARIABLE = "TRAWL_PSEUDONYM_KEY"
KEY_FILE_VARIABLE = "TRAWL_PSEUDONYM_KEY_FILE"
HEX_DIGITS = 16  # 64 bits: collisions are negligible below tens of millions of people
PREFIXES = {"proceedings": "S", "person": "P"}


class Pseudonymiser(dg.ConfigurableResource):
    """Turns anchors into keys: `S…` for sets of proceedings, `P…` for people."""

    def _secret(self) -> bytes:
        if os.environ.get(KEY_VARIABLE):
            return os.environ[KEY_VARIABLE].encode()
        key_file = os.environ.get(KEY_FILE_VARIABLE)
        if key_file:
            try:
                secret = Path(key_file).read_bytes().strip()
            except OSError as error:
                raise dg.Failure(
                    description=f"{KEY_FILE_VARIABLE} names {key_file}, which cannot be read ({error.strerror})."
                ) from None
            if secret:
                return secret
            raise dg.Failure(description=f"{KEY_FILE_VARIABLE} names {key_file}, which is empty.")
        raise dg.Failure(description=(
            f"No pseudonym key: set {KEY_VARIABLE} to a long random secret, or {KEY_FILE_VARIABLE} "
            "to a file holding one (for example `python -c 'import secrets; print(secrets.token_hex(32))'`). "
            "Keep the same key for every run, or every person_key and proceedings_id will change."
        ))

    def register(self, conn: duckdb.DuckDBPyConnection) -> None:
        """Make `pseudonym(kind, anchor)` callable in SQL on this connection; kind is
        'proceedings' or 'person'."""
        secret = self._secret()

        def pseudonym(kinds: pa.Array, anchors: pa.Array) -> pa.Array:
            return pa.array(
                [None if anchor is None else _pseudonym(secret, kind, anchor)
                 for kind, anchor in zip(kinds.to_pylist(), anchors.to_pylist())],
                type=pa.string(),
            )

        conn.create_function(
            "pseudonym", pseudonym, ["VARCHAR", "VARCHAR"], "VARCHAR", type="arrow", side_effects=False
        )


def _pseudonym(secret: bytes, kind: str, anchor: str) -> str:
    digest = hmac.new(secret, f"{kind}|{anchor}".encode(), hashlib.sha256).hexdigest()
    return PREFIXES[kind] + digest[:HEX_DIGITS]
