"""The benches: one room per kind of experiment, listed in the navigation."""
