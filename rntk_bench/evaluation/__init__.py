"""Evaluation: the protocol and the array-level pipeline of one method on one split.

Nothing is imported here eagerly: import the module you need.
"""
