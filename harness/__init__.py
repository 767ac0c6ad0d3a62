"""What the tests and the benchmarks run the studio with: a studio process, the emulator, a throwaway
PostgreSQL, test media, a gallery full of jobs, and headless Chromium. Not part of the studio itself;
plain helpers without pytest, so bench/ uses them as tests/conftest.py does."""
