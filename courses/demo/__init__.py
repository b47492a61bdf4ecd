"""The demo course "Empathy Foundations", kept as plain Python data so it reads and diffs well.

`courses.services.demo.demo_seed` writes it to the database; nothing here touches Django.
"""

from .course import COURSE

__all__ = ["COURSE"]
