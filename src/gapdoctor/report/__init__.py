"""Renderers of a Diagnosis: terminal text, JSON (on the Diagnosis itself) and HTML."""
