"""Every source of the Clusters bench, and bad input as one-line errors."""

import networkx as nx
import numpy as np
import pytest

from engine.errors import UserError
from engine.graph.data import Graph, Vectors
from engine.graph.export import write_word2vec
from engine.graph.readers import from_networkx, load


def test_digits_karate_lesmis_lfr():
    d = load("digits")
    assert isinstance(d, Vectors) and d.matrix.shape == (1797, 64) and d.names[5] == "5"
    assert len(np.unique(d.labels)) == 10 and d.images.shape == (1797, 8, 8)
    k = load("karate")
    assert k.n == 34 and k.num_links == 78 and set(k.labels) == {"Mr. Hi", "Officer"}
    assert load("lesmis").n == 77
    g = load("lfr:n=250,mu=0.1,min_community=20,max_community=50,average_degree=10,max_degree=30,seed=3")
    truth = nx.LFR_benchmark_graph(250, 2.5, 1.5, 0.1, average_degree=10, max_degree=30, min_community=20,
                                   max_community=50, seed=3, max_iters=1000)
    assert g.n == 250 and len(np.unique(g.labels)) == len({frozenset(truth.nodes[v]["community"]) for v in truth})
    with pytest.raises(UserError, match="unknown LFR option"):
        load("lfr:size=3")


def test_edge_lists(tmp_path):
    f = tmp_path / "g.csv"
    f.write_text("source,target,weight\nalpha,beta,2.5\nbeta,gamma,1\ngamma,alpha,0.5\n")
    g = load(f)
    assert isinstance(g, Graph) and g.names == ["alpha", "beta", "gamma"]
    np.testing.assert_array_equal(g.weight, [2.5, 1, 0.5])
    t = tmp_path / "g.tsv"
    t.write_text("1\t2\n2\t3\n")
    g = load(t)
    assert g.names == ["1", "2", "3"] and list(g.weight) == [1.0, 1.0]
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b,heavy\nb,c,x\n")
    with pytest.raises(UserError, match="bad.csv, link 2"):
        load(bad)
    neg = tmp_path / "neg.csv"
    neg.write_text("a,b,-1\n")
    with pytest.raises(UserError, match="neg.csv"):
        load(neg)


def test_pajek_and_graphml_round_trip(tmp_path):
    g = nx.les_miserables_graph()
    nx.write_pajek(g, tmp_path / "m.net")
    nx.write_graphml(g, tmp_path / "m.graphml")
    ref = from_networkx(g, "ref")
    for name in ("m.net", "m.graphml"):
        got = load(tmp_path / name)
        assert got.n == 77 and got.num_links == g.number_of_edges()
        assert got.weight.sum() == pytest.approx(ref.weight.sum())
    k = nx.karate_club_graph()
    nx.write_graphml(k, tmp_path / "k.graphml")
    assert set(load(tmp_path / "k.graphml").labels) == {"Mr. Hi", "Officer"}
    (tmp_path / "broken.graphml").write_text("<graphml><graph")
    with pytest.raises(UserError, match="broken.graphml"):
        load(tmp_path / "broken.graphml")


def test_word2vec_text_binary_npy_csv(tmp_path):
    rng = np.random.default_rng(0)
    v = Vectors(["猫", "dog", "two words"], rng.normal(size=(3, 5)).astype(np.float32))
    for name in ("v.txt", "v.bin"):
        write_word2vec(v, tmp_path / name)
        got = load(tmp_path / name)
        assert got.names == ["猫", "dog", "two_words"]
        np.testing.assert_allclose(got.matrix, v.matrix, rtol=1e-6)
    np.save(tmp_path / "m.npy", v.matrix)
    (tmp_path / "m.vocab").write_text("a\tx\nb\ty\nc\tx\n")
    got = load(tmp_path / "m.npy")
    assert got.names == ["a", "b", "c"] and list(got.labels) == ["x", "y", "x"]
    (tmp_path / "c.csv").write_text("name,label,a,b,c,d\nw1,k,1,2,3,4\nw2,j,0,1,0,1\n")
    got = load(tmp_path / "c.csv")
    assert got.names == ["w1", "w2"] and list(got.labels) == ["k", "j"]
    np.testing.assert_array_equal(got.matrix, [[1, 2, 3, 4], [0, 1, 0, 1]])


def test_bad_vector_files(tmp_path):
    (tmp_path / "nan.txt").write_text("2 3\na 1 2 nan\nb 1 2 3\n")
    with pytest.raises(UserError, match="nan.txt: vector 0"):
        load(tmp_path / "nan.txt")
    (tmp_path / "cut.bin").write_bytes(b"5 10\nabc \x00\x01")
    with pytest.raises(UserError, match="cut.bin"):
        load(tmp_path / "cut.bin")
    (tmp_path / "x.npy").write_bytes(b"not numpy")
    with pytest.raises(UserError, match="x.npy"):
        load(tmp_path / "x.npy")
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(UserError, match="empty.csv"):
        load(tmp_path / "empty.csv")
    with pytest.raises(UserError, match="no such file"):
        load(tmp_path / "missing.txt")
