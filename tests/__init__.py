"""Tests: unit, protocol (over loopback HTTP), app and browser."""
