"""Developer machine: debug on unless the environment says otherwise."""

import os

os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("LOG_FORMAT", "plain")
os.environ.setdefault("INFERENCE_WARM_AT_START", "1")

from .base import *
