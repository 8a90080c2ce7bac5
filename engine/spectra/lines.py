"""Rest-frame wavelengths (Å, in air above 2000 Å, as spectra are usually
published) of the lines the viewer can overlay; λ_obs = (1 + z) λ_rest."""

from __future__ import annotations

# (name, rest wavelength in Å, kind) — kind is "emission", "absorption" or "both"
LINES: tuple[tuple[str, float, str], ...] = (
    ("Lyα", 1215.67, "emission"),
    ("C IV", 1549.06, "emission"),
    ("C III]", 1908.73, "emission"),
    ("Mg II", 2798.75, "both"),
    ("[O II]", 3727.09, "emission"),
    ("Ca II K", 3933.66, "absorption"),
    ("Ca II H", 3968.47, "absorption"),
    ("Hδ", 4101.74, "both"),
    ("G band", 4304.4, "absorption"),
    ("Hγ", 4340.47, "both"),
    ("Hβ", 4861.33, "both"),
    ("[O III]", 4958.91, "emission"),
    ("[O III]", 5006.84, "emission"),
    ("Mg b", 5175.3, "absorption"),
    ("Na D", 5892.9, "absorption"),
    ("Hα", 6562.8, "both"),
    ("[N II]", 6583.45, "emission"),
    ("[S II]", 6716.44, "emission"),
    ("Ca II", 8542.09, "absorption"),
)


def shifted(z: float) -> list[tuple[str, float, str]]:
    return [(name, rest * (1.0 + z), kind) for name, rest, kind in LINES]
