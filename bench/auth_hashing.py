"""Password verification cost: our Argon2id (OWASP minimum) next to Django's
default PBKDF2 (1,000,000 iterations), measured in the same run.

Run: .venv/bin/python bench/auth_hashing.py  (writes the figures to stdout;
paste the table into docs/PERFORMANCE.md).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nexusone.settings")

import django

django.setup()

from django.contrib.auth.hashers import PBKDF2PasswordHasher  # noqa: E402

from accounts.hashers import OwaspArgon2PasswordHasher  # noqa: E402

ROUNDS = 15


def measure(hasher) -> tuple[float, float]:
    encoded = hasher.encode("correct horse battery staple", hasher.salt())
    samples = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        assert hasher.verify("correct horse battery staple", encoded)
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), max(samples)


def main() -> None:
    argon = measure(OwaspArgon2PasswordHasher())
    pbkdf2 = measure(PBKDF2PasswordHasher())
    print("| hasher | median verify (ms) | max (ms) | ratio to PBKDF2 |")
    print("|---|---|---|---|")
    print(f"| Argon2id m=19 MiB t=2 p=1 | {argon[0]:.1f} | {argon[1]:.1f} | {argon[0] / pbkdf2[0]:.2f}× |")
    print(f"| PBKDF2-SHA256 1,000,000 it. (Django default) | {pbkdf2[0]:.1f} | {pbkdf2[1]:.1f} | 1.00× |")


if __name__ == "__main__":
    main()
