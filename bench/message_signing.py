"""What signing and verifying a message costs, against decoding the same message (measured in the same run).

    .venv/bin/python bench/message_signing.py [--messages 5000]

Per message: the producer signs the canonical envelope once; every consumer verifies it once (parse the raw
JSON again, canonicalise, Ed25519 verify). The baseline is what every consumer already does to every
message: decode it (JSON parse and pydantic validation of the envelope and payload).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from referee_shared.events.catalog import decode
from referee_shared.events.envelope import envelope_json
from referee_shared.topics import LEADS_SUBMITTED
from referee_shared.trust.local import init_trust_dir, registry_path, signer_for
from referee_shared.trust.registry import ProducerRegistry
from referee_shared.trust.signing import MessageVerifier
from tests.builders import envelope, submission


def per_call_us(work: Callable[[], object], count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        work()
    return (time.perf_counter() - started) / count * 1e6


def main(count: int) -> None:
    trust = Path(tempfile.mkdtemp(prefix="referee-bench-trust-"))
    init_trust_dir(trust)
    signer = signer_for(trust, "partner-portal")
    verifier = MessageVerifier(ProducerRegistry.load(registry_path(trust)))
    unsigned = envelope(submission("dealer-hangzhou"), producer="partner-portal")
    signed = signer.sign(unsigned)
    raw = envelope_json(signed)
    decoded = decode(LEADS_SUBMITTED, raw)

    decode_us = per_call_us(lambda: decode(LEADS_SUBMITTED, raw), count)
    sign_us = per_call_us(lambda: signer.sign(unsigned), count)
    verify_us = per_call_us(lambda: verifier(LEADS_SUBMITTED, raw, decoded), count)
    print(f"{count} leads.submitted messages of {len(raw)} bytes")
    print(f"baseline: decode (JSON + validation): {decode_us:.0f} us/message")
    print(f"sign (producer, once): {sign_us:.0f} us/message ({sign_us / decode_us:.2f} x decode)")
    print(f"verify (each consumer): {verify_us:.0f} us/message ({verify_us / decode_us:.2f} x decode)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=5000)
    main(parser.parse_args().messages)
