"""The physics posts: the rotating rope (kexue.fm/archives/6784) and the two glued ellipses (6818)."""
