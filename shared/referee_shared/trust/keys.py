"""Ed25519 keys of producers: generate, store as files, read back, encode the public half."""

from __future__ import annotations

import base64
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey


def new_private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def public_text(key: Ed25519PublicKey) -> str:
    """The public key as the registry stores it: base64 of the 32 raw bytes."""
    return base64.b64encode(key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)).decode()


def public_from_text(text: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(base64.b64decode(text, validate=True))


def write_private_key(key: Ed25519PrivateKey, path: Path) -> None:
    """Write a private key as unencrypted PKCS#8 PEM, readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(pem)


def read_private_key(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key")
    return key


def key_id(key: Ed25519PublicKey) -> str:
    """A short, stable name of a public key (its first 12 base64 characters), so rotation can name the key used."""
    return public_text(key)[:12]
