"""Issue 20 item 4: what one signing password check costs, PBKDF2 (Django 5.2's first hasher,
1,000,000 iterations of SHA-256) against Argon2id (Django's Argon2PasswordHasher: 100 MiB,
t=2, p=8 — above OWASP's minimum for Argon2id of 19 MiB, t=2, p=1), timed in interleaved
rounds in one run; prints each round's ratio argon2/pbkdf2 and the load average.

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

PASSWORD = "pw-Qingqian-2026"


def per_check(hasher, encoded, n):
    t0 = time.perf_counter()
    for _ in range(n):
        assert hasher.verify(PASSWORD, encoded)
    return (time.perf_counter() - t0) / n


def main(rounds=3, n=5):
    pbkdf2, argon2 = PBKDF2PasswordHasher(), Argon2PasswordHasher()
    enc_p = pbkdf2.encode(PASSWORD, pbkdf2.salt())
    enc_a = argon2.encode(PASSWORD, argon2.salt())
    print(f"pbkdf2 iterations={pbkdf2.iterations}; argon2id m={argon2.memory_cost} KiB t={argon2.time_cost} "
          f"p={argon2.parallelism}; cpus={os.cpu_count()} load={os.getloadavg()[0]:.2f}")
    for r in range(1, rounds + 1):
        p = per_check(pbkdf2, enc_p, n)
        a = per_check(argon2, enc_a, n)
        print(f"round {r}: pbkdf2 {p * 1000:.0f} ms  argon2id {a * 1000:.0f} ms  ratio argon2/pbkdf2 {a / p:.2f}  "
              f"load={os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
