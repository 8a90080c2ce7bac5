"""The maths verbs' TaskSpecs: the flags the issue names parse into the params, the run
functions give the JSON fields, and the CSV outputs go through the atomic writer."""

import argparse
import json
import math

import numpy as np
import pandas as pd
import pytest

from engine import params as prm
from engine.maths import angles, em, hsic, tasks
from engine.tasks import TaskContext


def parse(spec, argv):
    parser = argparse.ArgumentParser()
    prm.add_arguments(parser, spec.params)
    return prm.from_args(spec.params, parser.parse_args(argv))


def test_angles_verb(tmp_path):
    p = parse(tasks.ANGLES, ["--n", "10", "--samples", "20000", "--seed", "1"])
    result = tasks.ANGLES.run(p, TaskContext())
    out = json.loads(json.dumps(tasks.ANGLES.to_json(result)))
    assert out["variance_exact"] == pytest.approx(0.110661, abs=5e-7)
    assert out["mean"] == pytest.approx(math.pi / 2, abs=0.01) and out["variance"] == pytest.approx(0.1107, abs=0.005)
    tasks.ANGLES.outputs[".csv"](result, p, tmp_path / "a.csv")
    frame = pd.read_csv(tmp_path / "a.csv")
    np.testing.assert_allclose(frame["theta_pdf"], angles.angle_pdf(frame["theta"], 10))
    assert "variance" in tasks.ANGLES.summary(result)


def test_hsic_verb(tmp_path):
    x, y = hsic.synthetic_pair("quadratic", 150, seed=2)
    table = tmp_path / "t.tsv"
    pd.DataFrame({"u": x, "v": y}).to_csv(table, sep="\t", index=False)
    p = parse(tasks.HSIC, [str(table), "--x", "u", "--y", "v", "--sigma", "1", "--permutations", "200"])
    assert p.table == str(table) and p.permutations == 200
    result = tasks.HSIC.run(p, TaskContext())
    out = json.loads(json.dumps(tasks.HSIC.to_json(result)))
    assert out["n"] == 150 and out["p_value"] == pytest.approx(1 / 201)
    assert out["hsic"] == pytest.approx(hsic.hsic(x, y), rel=1e-12)
    tasks.HSIC.outputs[".csv"](result, p, tmp_path / "null.csv")
    assert len(pd.read_csv(tmp_path / "null.csv")) == 200


def test_em_verb(tmp_path):
    x, _, _ = em.generate(3, 240, 2, seed=4)
    table = tmp_path / "p.csv"
    pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "c": np.arange(240)}).to_csv(table, index=False)
    p = parse(tasks.EM, [str(table), "--k", "3", "--columns", "a,b", "--seed", "1"])
    result = tasks.EM.run(p, TaskContext())
    out = json.loads(json.dumps(tasks.EM.to_json(result)))
    same = em.fit(x, 3, seed=1)
    assert out["log_likelihood"] == pytest.approx(same.state.log_likelihood, abs=1e-12)
    assert out["iterations"] == same.iterations and np.allclose(out["weights"], same.state.mixture.weights)
    np.testing.assert_allclose(out["means"], same.state.mixture.means)
    tasks.EM.outputs[".csv"](result, p, tmp_path / "r.csv")
    frame = pd.read_csv(tmp_path / "r.csv")
    np.testing.assert_allclose(frame[["r1", "r2", "r3"]].sum(axis=1), 1.0)
    assert set(frame["component"]) <= {1, 2, 3}


def test_bad_values_are_param_errors():
    with pytest.raises(prm.ParamError):
        prm.check(angles.AnglesParams(n=1))
    with pytest.raises(prm.ParamError):
        prm.check(hsic.HSICParams(table="t.csv", estimator="other"))
    with pytest.raises(prm.ParamError):
        prm.check(em.EMParams(table="t.csv", k=0))
