"""The verbs' run functions, their JSON, and the exported files read back."""

import json

import numpy as np
import pytest

from engine.graph.readers import load
from engine.graph.tasks import CLUSTER, EMBED, ClusterParams, EmbedParams
from engine.params import ParamError, check, specs
from engine.tasks import TaskContext

infomap = pytest.importorskip("infomap")


def test_params_match_the_verbs_flags():
    assert [s.flag for s in specs(ClusterParams) if not s.positional] == [
        "--k", "--min-sim", "--directed", "--levels", "--teleport", "--trials", "--seed", "--method"]
    p = ClusterParams(input="x")
    assert (p.k, p.min_sim, p.directed, p.levels, p.teleport, p.trials, p.seed, p.method) == (
        40, 0.5, True, "two", 0.15, 1, 1, "infomap")
    assert [s.name for s in specs(ClusterParams) if s.positional] == ["input"]
    assert [s.name for s in specs(EmbedParams) if s.positional] == ["corpus"]
    assert EmbedParams().dim == 100 and EmbedParams().margin == 0.15
    with pytest.raises(ParamError):
        check(ClusterParams(input="x", method="dbscan"))
    with pytest.raises(ParamError):
        check(ClusterParams(input="x", teleport=float("nan")))


@pytest.fixture(scope="module")
def karate():
    p = ClusterParams(input="karate", directed=False)
    return p, CLUSTER.run(p, TaskContext())


def test_cluster_json(karate):
    _, r = karate
    out = CLUSTER.to_json(r)
    assert abs(out["codelength"] - out["codelength_ours"]) < 1e-6
    assert out["modules"] == r.tree.num_top and out["levels"] == 2 and 0 < out["nmi"] <= 1
    json.dumps(out)
    assert "NMI" in CLUSTER.summary(r)


def test_exports_read_back(karate, tmp_path):
    p, r = karate
    for suffix in (".tsv", ".json", ".tree", ".clu", ".csv"):
        CLUSTER.outputs[suffix](r, p, tmp_path / f"out{suffix}")
    rows = [line.split("\t") for line in (tmp_path / "out.tsv").read_text().splitlines()]
    assert [row[0] for row in rows] == r.graph.names
    assert [int(row[1]) for row in rows] == list(r.tree.top)
    assert all(row[2].split(":")[0] == row[1] for row in rows)
    tree = json.loads((tmp_path / "out.json").read_text())
    assert sum(m["flow"] for m in tree["modules"]) == pytest.approx(1.0)
    assert sorted(sum((m["members"] for m in tree["modules"]), [])) == sorted(r.graph.names)
    lines = [line for line in (tmp_path / "out.tree").read_text().splitlines() if not line.startswith("#")]
    assert len(lines) == 34 and sum(float(line.split()[1]) for line in lines) == pytest.approx(1.0)
    clu = np.loadtxt(tmp_path / "out.clu", comments="#")
    np.testing.assert_array_equal(clu[:, 1], r.tree.top)
    g = load(tmp_path / "out.csv")
    assert g.num_links == r.graph.num_links and g.weight.sum() == pytest.approx(r.graph.weight.sum())


def test_infomap_tree_file_matches_the_package(karate, tmp_path):
    """Our .tree groups the items as the package's own .tree does (same run settings)."""
    p, r = karate
    CLUSTER.outputs[".tree"](r, p, tmp_path / "ours.tree")
    net = infomap.Network()
    net.add_nodes(range(r.graph.n))
    net.add_links(r.graph.links())
    result = infomap.run(net, options=infomap.Options(two_level=True, flow_model="undirected", silent=True, seed=1))
    result.write_tree(str(tmp_path / "pkg.tree"))

    def groups(path, id_field):
        out = {}
        for line in path.read_text().splitlines():
            if line.startswith("#"):
                continue
            fields = line.split()
            out.setdefault(fields[0].rsplit(":", 1)[0], set()).add(int(fields[id_field]))
        return sorted(map(sorted, out.values()))

    assert groups(tmp_path / "ours.tree", -1) == groups(tmp_path / "pkg.tree", -1)


def test_embed_writes_word2vec_text(tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text("\n".join(["red green blue red green"] * 30 + ["one two three one two"] * 30))
    p = EmbedParams(corpus=str(corpus), method="jose", dim=8, epochs=2, min_count=1)
    e = EMBED.run(p, TaskContext())
    EMBED.outputs[".txt"](e, p, tmp_path / "v.txt")
    got = load(tmp_path / "v.txt")
    assert sorted(got.names) == sorted(["red", "green", "blue", "one", "two", "three"])
    assert got.matrix.shape == (6, 8)
    assert EMBED.to_json(e)["words"] == 6
