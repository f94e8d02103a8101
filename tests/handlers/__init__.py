"""Tests of handlers/: features driven on a real Application with a recording transport."""
