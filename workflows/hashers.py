"""The password hasher (rule R8.18): Argon2id at OWASP's recommended parameters.

Django's own Argon2PasswordHasher asks for 100 MiB, 2 passes and 8 lanes: on a 2-CPU web host
the 8 lanes only contend, and one check costs ~270 ms of CPU, about three quarters of the host
under 50 approvers signing (bench/RESULTS.md, load). OWASP's Password Storage Cheat Sheet
recommends Argon2id with at least 19 MiB, 2 passes and 1 lane: ~31 ms here. The algorithm name
stays "argon2", so hashes made at Django's parameters still verify (the encoded hash carries its
own parameters) and Django rewrites them at these at the user's next login (must_update)."""
from django.contrib.auth.hashers import Argon2PasswordHasher

# OWASP's minimum for Argon2id; a test holds every parameter at or above it.
OWASP_MEMORY_KIB = 19 * 1024
OWASP_TIME_COST = 2
OWASP_PARALLELISM = 1


class Argon2idHasher(Argon2PasswordHasher):
    memory_cost = OWASP_MEMORY_KIB
    time_cost = OWASP_TIME_COST
    parallelism = OWASP_PARALLELISM
