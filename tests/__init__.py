"""Test suite of followup."""
