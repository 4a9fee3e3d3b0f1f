"""The test suite. Passwords are hashed at argon2's smallest cost here: the suite signs in
thousands of times, and the production cost (about 50 ms a hash) would spend minutes on it.
The same library, the same verification path; only the cost parameters differ."""

from argon2 import PasswordHasher

from app import security

security._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
security._DUMMY_HASH = security._hasher.hash("not-a-real-password")
