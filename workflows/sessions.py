"""The session store when sessions are read from Redis (config.settings, rule R8.21): Django's cached_db,
which keeps working while Redis is away — reads fall back to the database, a failed write to
the cache is logged — except that a logout removes the cached copy first and fails if it
cannot, so that it never leaves a session alive in a cache that comes back."""
import logging

from django.contrib.sessions.backends import cached_db
from django.contrib.sessions.backends.db import SessionStore as DBStore

logger = logging.getLogger("django.contrib.sessions")


class SessionStore(cached_db.SessionStore):
    def load(self):
        try:
            data = self._cache.get(self.cache_key)
        except Exception:  # the cache's own errors (Redis away): the database answers
            logger.warning("session cache unavailable, reading the session from the database", exc_info=True)
            data = None
        if data is not None:
            return data
        stored = self._get_session_from_db()
        if not stored:
            return {}
        data = self.decode(stored.session_data)
        try:
            self._cache.set(self.cache_key, data, self.get_expiry_age(expiry=stored.expire_date))
        except Exception:
            logger.warning("session cache unavailable, session not cached", exc_info=True)
        return data

    def exists(self, session_key):
        try:
            if session_key and (self.cache_key_prefix + session_key) in self._cache:
                return True
        except Exception:
            logger.warning("session cache unavailable, asking the database", exc_info=True)
        return DBStore.exists(self, session_key)

    def delete(self, session_key=None):
        """A replaced session key (cycle_key at login): from the database, and from the cache
        when it is there; its cached copy holds what the session held before the login."""
        if session_key is None:
            if self.session_key is None:
                return
            session_key = self.session_key
        DBStore.delete(self, session_key)
        try:
            self._cache.delete(self.cache_key_prefix + session_key)
        except Exception:
            logger.warning("session cache unavailable, replaced session not removed from it", exc_info=True)

    def flush(self):
        """Logout: the cached copy first, and a failure stops it (the session stays whole and the
        user can log out again), so that a logout never leaves the session in the cache."""
        self.clear()
        if self.session_key is not None:
            self._cache.delete(self.cache_key_prefix + self.session_key)   # raises while Redis is away
            DBStore.delete(self, self.session_key)
        self._session_key = None
