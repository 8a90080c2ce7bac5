"""Spectra: readers for the formats astronomers have on disk, preprocessing,
a synthetic labelled demo set and the Conv1D classifier of SEEDS.md §11."""
