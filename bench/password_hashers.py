"""Issue 20 item 4: what one signing password check costs, PBKDF2 (Django 5.2's first hasher,
1,000,000 iterations of SHA-256) against Argon2id at Django's parameters (Argon2PasswordHasher:
100 MiB, t=2, p=8) and at ours (workflows.hashers, OWASP's 19 MiB, t=2, p=1), timed in
interleaved rounds in one run; prints each round's ratios to PBKDF2 and the load average.

    .venv/bin/python bench/password_hashers.py [rounds] [checks per round]
"""
import os
import sys
import time

import django
from django.conf import settings

if not settings.configured:
    settings.configure()
    django.setup()

from django.contrib.auth.hashers import Argon2PasswordHasher, PBKDF2PasswordHasher

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from workflows.hashers import Argon2idHasher

PASSWORD = "pw-Qingqian-2026"


def per_check(hasher, encoded, n):
    t0 = time.perf_counter()
    for _ in range(n):
        assert hasher.verify(PASSWORD, encoded)
    return (time.perf_counter() - t0) / n


def main(rounds=3, n=5):
    pbkdf2, django_argon2, ours = PBKDF2PasswordHasher(), Argon2PasswordHasher(), Argon2idHasher()
    encoded = [(h, h.encode(PASSWORD, h.salt())) for h in (pbkdf2, django_argon2, ours)]
    print(f"pbkdf2 iterations={pbkdf2.iterations}; argon2id (Django) m={django_argon2.memory_cost} KiB "
          f"t={django_argon2.time_cost} p={django_argon2.parallelism}; argon2id (ours) m={ours.memory_cost} KiB "
          f"t={ours.time_cost} p={ours.parallelism}; cpus={os.cpu_count()} load={os.getloadavg()[0]:.2f}")
    for r in range(1, rounds + 1):
        p, a, o = (per_check(h, e, n) for h, e in encoded)
        print(f"round {r}: pbkdf2 {p * 1000:.0f} ms  argon2id (Django) {a * 1000:.0f} ms  argon2id (ours) "
              f"{o * 1000:.0f} ms  ratios to pbkdf2 {a / p:.2f} / {o / p:.3f}  load={os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
