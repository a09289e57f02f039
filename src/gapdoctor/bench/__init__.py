"""Fault scenarios: real training runs with one known cause, and the bench that scores gapdoctor on them."""
