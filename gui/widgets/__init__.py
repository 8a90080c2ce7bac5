"""Widgets every bench shares."""
