"""Rule R8.18: passwords hashed with Argon2id at no less than OWASP's recommendation."""
from django.contrib.auth.hashers import Argon2PasswordHasher, check_password, identify_hasher, make_password

from config import settings as production
from workflows.hashers import Argon2idHasher

# OWASP Password Storage Cheat Sheet: Argon2id, at least 19 MiB of memory, 2 passes, 1 lane.
OWASP = {"memory_cost": 19 * 1024, "time_cost": 2, "parallelism": 1}


def test_a_new_hash_is_argon2id_at_owasps_parameters_or_above():
    decoded = Argon2idHasher().decode(make_password("pw-Qingqian-2026", hasher=Argon2idHasher()))
    assert decoded["variety"] == "argon2id"
    assert all(decoded[name] >= least for name, least in OWASP.items()), decoded


def test_a_hash_at_djangos_argon2_parameters_verifies_and_is_rewritten_at_the_next_login(
        client, django_user_model, settings):
    """Hashes made while Django's own parameters (100 MiB, t=2, p=8) were first still verify, and
    Django rewrites them at ours when the user next logs in."""
    settings.PASSWORD_HASHERS = production.PASSWORD_HASHERS
    old = make_password("pw-Qingqian-2026", hasher=Argon2PasswordHasher())
    assert "m=102400,t=2,p=8" in old
    assert check_password("pw-Qingqian-2026", old) and not check_password("pw-other", old)
    assert identify_hasher(old).must_update(old)
    user = django_user_model.objects.create(username="old_argon", password=old)
    assert client.login(username="old_argon", password="pw-Qingqian-2026")
    user.refresh_from_db()
    assert "m=19456,t=2,p=1" in user.password and not identify_hasher(user.password).must_update(user.password)
