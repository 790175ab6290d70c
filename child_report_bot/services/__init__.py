"""Use cases: one unit of work each (read, decide in the domain, write, queue effects)."""
