"""Fitting the user's model: out-of-fold probabilities, re-trainings, and their on-disk cache.

The machinery both the evidence (probabilities completed from ``model=``) and the
confirming experiments use; it knows nothing of causes or findings.
"""
