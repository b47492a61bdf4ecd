"""The AI core: emotion detection, empathy scoring, safety screening (torch stays out of import time)."""
