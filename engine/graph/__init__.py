"""The Clusters bench's engine: vectors or a graph → the author's kNN similarity graph →
InfoMap (and Leiden, Louvain, K-means for comparison) → a module tree with the map
equation's codelength computed by our own formula next to the package's
(kexue.fm/archives/7006, SEEDS.md §1).

Modules: ``data`` (the two kinds of input), ``readers`` (files and built-in sets),
``knn`` (the similarity graph), ``flow`` and ``mapequation`` (our codelength),
``cluster`` (the methods), ``infomap_runner`` and ``worker`` (the package, in a process
of its own when the graph is large), ``tree`` (the module tree), ``layout`` (the 2-D
map), ``search`` (an item's neighbours), ``export`` (the files), ``tasks`` (the verbs).
"""

from engine.errors import UserError


class GraphInputError(UserError, ValueError):
    """An input of the Clusters bench that cannot be used (named with its file)."""
