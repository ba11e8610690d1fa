import json

import numpy as np
import pytest
import torch

from collapse_lib import cli
from collapse_lib.metrics import generalization_score, kl_entropy

from . import reference as ref


def test_select_greedy_end_to_end(tmp_path, clustered, capsys):
    np.save(tmp_path / "pool.npy", clustered)
    out = tmp_path / "idx.npy"
    assert cli.main(["select", str(tmp_path / "pool.npy"), "--size", "30", "--method", "greedy", "--start", "3",
                     "--out", str(out)]) == 0
    report = json.loads(capsys.readouterr().out)
    idx = np.load(out)
    np.testing.assert_array_equal(idx, ref.greedy(clustered, 30, 3))
    assert report["selection"]["entropy"] == pytest.approx(kl_entropy(clustered[idx]))
    assert report["selection"]["entropy"] > report["pool"]["entropy"] - 1e-9 or report["selection"]["mnnd"] > 0
    assert report["seconds"] >= 0


@pytest.mark.parametrize("suffix", [".npz", ".pt"])
def test_select_threshold_and_random_read_npz_and_pt(tmp_path, clustered, suffix, capsys):
    path = tmp_path / f"pool{suffix}"
    if suffix == ".npz":
        np.savez(path, features=clustered)
    else:
        torch.save({"features": torch.from_numpy(clustered)}, path)
    cli.main(["select", str(path), "--size", "50", "--method", "threshold", "--tau", "5", "--alpha", "0.8",
              "--start", "0", "--out", str(tmp_path / "t.npy")])
    np.testing.assert_array_equal(np.load(tmp_path / "t.npy"), ref.threshold_decay(clustered, 50, 5.0, 0.8, 0))
    cli.main(["select", str(path), "--size", "50", "--method", "random", "--seed", "1", "--out", str(tmp_path / "r.npy")])
    assert len(set(np.load(tmp_path / "r.npy").tolist())) == 50


def test_score_prints_json(tmp_path, rng, capsys):
    gen, train = rng.normal(size=(40, 5)), rng.normal(size=(60, 5))
    np.save(tmp_path / "g.npy", gen)
    np.save(tmp_path / "t.npy", train)
    cli.main(["score", str(tmp_path / "g.npy"), "--train", str(tmp_path / "t.npy")])
    out = json.loads(capsys.readouterr().out)
    assert out["gs"] == pytest.approx(generalization_score(gen, train))
    assert set(out) >= {"gs", "entropy", "mnnd", "cov_trace"}


@pytest.mark.parametrize(
    "argv, match",
    [
        (["select", "missing.npy", "--size", "3", "--out", "x.npy"], "no such file"),
        (["select", "POOL", "--size", "3", "--method", "threshold", "--out", "x.npy"], "--tau and --alpha"),
        (["select", "POOL", "--size", "999", "--out", "OUT"], "exceeds"),
        (["select", "POOL", "--size", "3", "--out", "x.txt"], ".npy"),
        (["select", "TEXT", "--size", "3", "--out", "x.npy"], "not a .npy file"),
        (["select", "OBJECTS", "--size", "3", "--out", "x.npy"], "not a readable .npy array"),
        (["select", "EMPTY", "--size", "3", "--out", "x.npy"], "empty"),
        (["score", "POOL", "--train", "NARROW"], r"dimensions differ: .*pool.npy has 16, .*narrow.npy has 3"),
    ],
)
def test_cli_errors_are_clear(tmp_path, clustered, argv, match):
    np.save(tmp_path / "pool.npy", clustered)
    (tmp_path / "text.npy").write_text("not an array")
    np.save(tmp_path / "objects.npy", np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    np.save(tmp_path / "empty.npy", np.zeros((0, 4)))
    np.save(tmp_path / "narrow.npy", clustered[:, :3])
    names = {"POOL": "pool.npy", "OUT": "o.npy", "TEXT": "text.npy", "OBJECTS": "objects.npy", "EMPTY": "empty.npy",
             "NARROW": "narrow.npy"}
    argv = [str(tmp_path / names[a]) if a in names else a for a in argv]
    with pytest.raises(SystemExit, match=match):
        cli.main(argv)
    assert not (tmp_path / "o.npy").exists()


def test_run_shares_the_first_model_unless_asked_to_train_it(tmp_path, capsys):
    base = ["run", "--config", "params/smoke/run.yaml", "--set", "iterations=1", "--set", "train_steps=20", "--quiet"]
    trained = lambda out: json.loads((out / "iter_01" / "metrics.json").read_text())["trained"]
    cli.main([*base, "--out", str(tmp_path / "first")])
    cli.main([*base, "--set", "selector=greedy", "--set", "pool_factor=2", "--out", str(tmp_path / "loaded")])
    cli.main([*base, "--set", "selector=greedy", "--set", "pool_factor=2", "--out", str(tmp_path / "again"),
              "--train-first-model"])
    assert [trained(tmp_path / d) for d in ("first", "loaded", "again")] == [True, False, True]
    out = capsys.readouterr().out.splitlines()
    assert [line for line in out if line.startswith(str(tmp_path))] == [str(tmp_path / d) for d in ("first", "loaded", "again")]
    assert sum(line.split()[:2] == ["iteration", "gs"] for line in out) == 3  # a metrics summary before each folder


def test_version_and_malformed_yaml_are_one_line(tmp_path, capsys):
    from collapse_lib import __version__

    with pytest.raises(SystemExit):
        cli.main(["--version"])
    assert capsys.readouterr().out.strip() == f"collapse {__version__}"
    bad = tmp_path / "bad.yaml"
    bad.write_text("n_train: [1, 2\nseed: 0\n")
    with pytest.raises(SystemExit, match=r"bad.yaml: not valid YAML \(line \d+, column \d+\)") as err:
        cli.main(["run", "--config", str(bad)])
    assert "\n" not in str(err.value)


def test_detect_reads_a_stored_run_model(tmp_path, capsys):
    from collapse_lib.diffusion import load_trained
    from collapse_lib.loop.readback import load_iteration
    from collapse_lib.representation import DEFAULT_TIMESTEP, activation_spikiness, model_stable_rank

    base = ["run", "--config", "params/smoke/run.yaml", "--set", "iterations=1", "--set", "train_steps=20",
            "--set", "save_models=true", "--quiet", "--out", str(tmp_path / "run")]
    cli.main(base)
    capsys.readouterr()
    _, gen = load_iteration(tmp_path / "run", 1)
    np.save(tmp_path / "g.npy", gen.images[:12])
    model_dir = tmp_path / "run" / "iter_01" / "model"
    assert cli.main(["detect", str(model_dir), str(tmp_path / "g.npy"), "--timestep", "30"]) == 0
    out = json.loads(capsys.readouterr().out)
    model, scheduler = load_trained(model_dir)
    expected = activation_spikiness(model, gen.images[:12], timestep=30, scheduler=scheduler)
    np.testing.assert_allclose(out["spikiness"], expected, atol=1e-6)
    assert out["stable_rank_mean"] == pytest.approx(model_stable_rank(model)["mean"])
    # the run's own samples file (images and labels) is read as it is
    assert cli.main(["detect", str(model_dir), str(tmp_path / "run" / "iter_01" / "samples.npz")]) == 0
    whole = json.loads(capsys.readouterr().out)
    expected = activation_spikiness(model, gen.images, timestep=DEFAULT_TIMESTEP, scheduler=scheduler)
    np.testing.assert_allclose(whole["spikiness"], expected, atol=1e-6)
    np.save(tmp_path / "wrong.npy", np.zeros((3, 1, 4, 4), np.float32))
    with pytest.raises(SystemExit, match="do not fit"):
        cli.main(["detect", str(model_dir), str(tmp_path / "wrong.npy")])
    with pytest.raises(SystemExit, match="cannot load a denoiser"):
        cli.main(["detect", str(tmp_path), str(tmp_path / "g.npy")])


def test_labels_load_from_a_run_samples_file_and_plain_arrays(tmp_path):
    np.savez(tmp_path / "samples.npz", images=np.zeros((3, 1, 8, 8), np.float32), labels=np.array([2, 0, 7]))
    np.testing.assert_array_equal(cli.load_labels(str(tmp_path / "samples.npz")), [2, 0, 7])
    np.save(tmp_path / "labels.npy", np.array([1.0, 4.0]))
    np.testing.assert_array_equal(cli.load_labels(str(tmp_path / "labels.npy")), [1, 4])
    np.save(tmp_path / "bad.npy", np.array([0.5]))
    with pytest.raises(SystemExit, match="whole numbers"):
        cli.load_labels(str(tmp_path / "bad.npy"))
