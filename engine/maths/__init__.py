"""The maths posts' small experiments: angles between random vectors (kexue.fm/archives/7076),
HSIC (6910), EM for a Gaussian mixture (5239) and capsule routing as clustering (5112)."""
