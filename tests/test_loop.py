import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest
import torch

from collapse_lib.loop.config import from_dict
from collapse_lib.loop.readback import load_iteration
from collapse_lib.loop.runner import run_loop

from . import reference

TINY = {"dataset": "digits", "n_train": 40, "iterations": 2, "model": "mlp", "width": 32, "blocks": 1,
        "train_steps": 30, "batch_size": 32, "lr": 0.002, "warmup_steps": 5, "sampler": "ddim", "sample_steps": 5,
        "threads": 1, "fd_feature": "pixel"}

CASES = [("replace", "random", 1.0), ("replace", "greedy", 2.0), ("replace", "threshold", 2.0), ("replace", "all", 2.0),
         ("accumulate", "random", 1.0), ("accumulate-subsample", "random", 1.0),
         ("accumulate-subsample", "greedy", 1.0), ("accumulate-subsample", "threshold", 1.0)]


@pytest.mark.parametrize("paradigm, selector, pool_factor", CASES)
def test_paradigm_selector_end_to_end(tmp_path, paradigm, selector, pool_factor):
    cfg = from_dict({**TINY, "paradigm": paradigm, "selector": selector, "pool_factor": pool_factor})
    run = run_loop(cfg, runs_root=tmp_path, progress=False)
    assert run.name == f"run-{cfg.config_hash()}"
    n, m = cfg.n_train, cfg.samples_per_iteration
    for it in (1, 2):
        metrics = json.loads((run / f"iter_{it:02d}" / "metrics.json").read_text())
        assert {"gs", "entropy", "mnnd", "cov_trace", "real_share", "fd"} <= set(metrics)
        assert np.isfinite([metrics[k] for k in ("gs", "entropy", "mnnd", "cov_trace", "fd")]).all()
        ids = np.load(run / f"iter_{it:02d}" / "train_set.npz")
        pairs = set(zip(ids["source"].tolist(), ids["index"].tolist(), strict=True))
        assert len(pairs) == len(ids["source"]), "an item entered D_n twice"
        assert metrics["real_share"] == pytest.approx(np.mean(ids["source"] == 0))
        assert np.load(run / f"iter_{it:02d}" / "samples.npz")["images"].shape == (m, 1, 8, 8)
    d1 = np.load(run / "iter_01" / "train_set.npz")
    d2 = np.load(run / "iter_02" / "train_set.npz")
    assert (d1["source"] == 0).all() and len(d1["source"]) == n
    expected_size = {"accumulate": n + m}.get(paradigm, m if selector == "all" else n)
    assert len(d2["source"]) == expected_size
    if paradigm == "replace":
        assert (d2["source"] == 1).all() and d2["index"].max() < m
    elif paradigm == "accumulate":
        assert np.mean(d2["source"] == 0) == pytest.approx(n / (n + m))
    else:
        assert set(d2["source"].tolist()) <= {0, 1}
    table = pd.read_csv(run / "metrics.csv")
    assert list(table.iteration) == [1, 2] and (table.paradigm == paradigm).all()
    assert len((run / "stats.jsonl").read_text().splitlines()) == 2


def test_selection_raises_entropy_of_the_training_set(tmp_path):
    base = {**TINY, "paradigm": "replace", "pool_factor": 2.0}
    vanilla = run_loop(from_dict({**base, "selector": "random"}), runs_root=tmp_path, progress=False)
    greedy = run_loop(from_dict({**base, "selector": "greedy"}), runs_root=tmp_path, progress=False)
    h = lambda run: json.loads((run / "iter_02" / "metrics.json").read_text())["entropy"]
    assert h(greedy) > h(vanilla)


def test_rerun_reuses_finished_iterations(tmp_path):
    cfg = from_dict(TINY)
    run = run_loop(cfg, runs_root=tmp_path, progress=False)
    stamp = (run / "iter_02" / "metrics.json").stat().st_mtime_ns
    t0 = time.perf_counter()
    assert run_loop(cfg, runs_root=tmp_path, progress=False) == run
    assert time.perf_counter() - t0 < 1.0
    assert (run / "iter_02" / "metrics.json").stat().st_mtime_ns == stamp


def test_folder_of_another_config_is_refused(tmp_path):
    run_loop(from_dict(TINY), out=tmp_path / "r", progress=False)
    with pytest.raises(FileExistsError, match="different configuration"):
        run_loop(from_dict({**TINY, "seed": 1}), out=tmp_path / "r", progress=False)


def test_saved_model_loads_as_a_diffusers_pipeline(tmp_path):
    from diffusers import DDPMPipeline

    import collapse_lib.models  # noqa: F401  (registers MLPDenoiser for diffusers' loader)

    run = run_loop(from_dict({**TINY, "iterations": 1}), runs_root=tmp_path, progress=False)
    pipe = DDPMPipeline.from_pretrained(run / "iter_01" / "model")
    assert type(pipe.unet).__name__ == "MLPDenoiser"
    assert (run / "iter_01" / "model" / "unet" / "diffusion_pytorch_model.safetensors").is_file()


def test_load_iteration_rebuilds_training_images(tmp_path):
    cfg = from_dict({**TINY, "paradigm": "accumulate-subsample", "selector": "greedy"})
    run = run_loop(cfg, runs_root=tmp_path, progress=False)
    d2, g2 = load_iteration(run, 2)
    _, g1 = load_iteration(run, 1)
    from_gen = d2.source == 1
    np.testing.assert_array_equal(d2.images[from_gen], g1.images[d2.index[from_gen]])
    assert len(g2) == cfg.samples_per_iteration


def test_class_conditional_cfg_run(tmp_path):
    cfg = from_dict({**TINY, "n_train": 50, "conditional": True, "guidance": 2.0, "selector": "greedy",
                     "pool_factor": 2.0})
    run = run_loop(cfg, runs_root=tmp_path, progress=False)
    metrics = json.loads((run / "iter_02" / "metrics.json").read_text())
    assert metrics["within_class_nnd"] > 0
    d2 = np.load(run / "iter_02" / "train_set.npz")
    assert (np.bincount(d2["labels"], minlength=10) == 5).all(), "greedy picks N/10 per class"
    # G_n is measured on its first n_train samples (5 per class), not on the whole 2N pool
    z = np.load(run / "iter_02" / "samples.npz")
    x, y = z["images"][: cfg.n_train].reshape(cfg.n_train, -1), z["labels"][: cfg.n_train]
    assert metrics["n_evaluated"] == cfg.n_train and (np.bincount(y, minlength=10) == 5).all()
    nnd = [np.mean(reference.kth_self_distance(x[y == c], 1)) for c in range(10)]
    assert metrics["within_class_nnd"] == pytest.approx(np.mean(nnd), rel=1e-6)
    # and the training set D_2 (the greedy picks), from its images rebuilt out of the run folder
    d_2, _ = load_iteration(run, 2)
    xd = d_2.images.reshape(len(d_2), -1)
    train_nnd = [np.mean(reference.kth_self_distance(xd[d_2.labels == c], 1)) for c in range(10)]
    assert metrics["train_within_class_nnd"] == pytest.approx(np.mean(train_nnd), rel=1e-6)


def test_metrics_of_an_older_definition_are_remeasured_without_retraining(tmp_path):
    cfg = from_dict({**TINY, "paradigm": "accumulate-subsample", "selector": "greedy"})
    run = run_loop(cfg, runs_root=tmp_path, progress=False)
    fresh = {n: json.loads((run / f"iter_{n:02d}" / "metrics.json").read_text()) for n in (1, 2)}
    samples_stamp = (run / "iter_02" / "samples.npz").stat().st_mtime_ns
    from collapse_lib.loop import store

    for n in (1, 2):  # pretend both iterations were measured (and sealed) under version 1 with other numbers
        stale = {**fresh[n], "gs": -1.0, "entropy": -1.0}
        stale.pop("metrics_version")
        (run / f"iter_{n:02d}" / "metrics.json").write_text(json.dumps(stale))
        store.seal_iteration(run, n)
    run_loop(cfg, runs_root=tmp_path, progress=False)
    assert (run / "iter_02" / "samples.npz").stat().st_mtime_ns == samples_stamp, "retrained"
    for n in (1, 2):
        again = json.loads((run / f"iter_{n:02d}" / "metrics.json").read_text())
        assert again.pop("remeasured") is True
        assert again.keys() == fresh[n].keys() and again["source_share"] == fresh[n]["source_share"]
        for key, value in fresh[n].items():
            if isinstance(value, float):
                assert again[key] == pytest.approx(value, rel=1e-9), key
    assert list(pd.read_csv(run / "metrics.csv").gs) == pytest.approx([fresh[1]["gs"], fresh[2]["gs"]])


def test_killed_run_resumes_to_the_same_numbers(tmp_path):
    cfg = {**TINY, "iterations": 3, "train_steps": 1500, "save_models": False}
    path = tmp_path / "cfg.yaml"
    import yaml

    path.write_text(yaml.safe_dump(cfg))
    killed = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, "-m", "collapse_lib.cli", "run", "--config", str(path),
                             "--out", str(killed), "--quiet"], env={**os.environ, "PYTHONUNBUFFERED": "1"})
    deadline = time.time() + 120
    while not (killed / "iter_01" / "metrics.json").exists():
        assert proc.poll() is None and time.time() < deadline, "run ended or stalled before iteration 1 finished"
        time.sleep(0.05)
    time.sleep(0.5)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (killed / "iter_03" / "metrics.json").exists(), "the run finished before it could be killed"
    run_loop(from_dict(cfg), out=killed, progress=False)
    clean = run_loop(from_dict(cfg), out=tmp_path / "clean", progress=False, share_first_model=False)
    a = pd.read_csv(killed / "metrics.csv").drop(columns=["run", "train_seconds", "sample_seconds"])
    b = pd.read_csv(clean / "metrics.csv").drop(columns=["run", "train_seconds", "sample_seconds"])
    pd.testing.assert_frame_equal(a, b)
    leftovers = [p for p in killed.rglob("*.tmp")]
    assert not leftovers or all(p.name.startswith(".") for p in leftovers)


@pytest.mark.parametrize("extra", [{}, {"conditional": True, "guidance": 2.0, "n_train": 50}])
def test_runs_that_differ_after_iteration_1_share_its_model_and_keep_their_numbers(tmp_path, extra):
    vanilla = from_dict({**TINY, **extra, "paradigm": "replace", "selector": "random"})
    greedy = from_dict({**TINY, **extra, "paradigm": "accumulate-subsample", "selector": "greedy", "pool_factor": 2.0})
    first = run_loop(vanilla, runs_root=tmp_path / "shared", progress=False)
    shared = run_loop(greedy, runs_root=tmp_path / "shared", progress=False)
    alone = run_loop(greedy, runs_root=tmp_path / "alone", progress=False, share_first_model=False)
    metrics = lambda run, n: json.loads((run / f"iter_{n:02d}" / "metrics.json").read_text())
    assert metrics(first, 1)["trained"] and metrics(alone, 1)["trained"]
    assert not metrics(shared, 1)["trained"], "iteration 1 was trained again instead of loaded"
    assert all(metrics(run, 2)["trained"] for run in (first, shared, alone))
    timing = {"trained", "train_seconds", "sample_seconds"}
    for n in (1, 2):
        a, b = metrics(shared, n), metrics(alone, n)
        assert {k: v for k, v in a.items() if k not in timing} == {k: v for k, v in b.items() if k not in timing}
    from safetensors.torch import load_file

    w_first = load_file(first / "iter_01" / "model" / "unet" / "diffusion_pytorch_model.safetensors")
    w_shared = load_file(shared / "iter_01" / "model" / "unet" / "diffusion_pytorch_model.safetensors")
    assert w_first.keys() == w_shared.keys() and all(torch.equal(w_first[k], w_shared[k]) for k in w_first)


def test_first_model_key_follows_what_iteration_1_trains_on():
    from collapse_lib.loop.first_model import first_model_key, train_settings

    base = from_dict(TINY)
    key = lambda cfg, device="cpu", world=1: first_model_key(cfg, train_settings(cfg), torch.device(device), world)
    same = [{"selector": "greedy", "pool_factor": 2.0}, {"paradigm": "accumulate"}, {"guidance": 3.0},
            {"fd_feature": None}, {"name": "other"}, {"iterations": 5}, {"sample_steps": 9}, {"alpha": 0.5}]
    for change in same:
        assert key(base.replace(**change)) == key(base), change
    differ = [{"seed": 1}, {"n_train": 41}, {"subset_seed": 1}, {"train_steps": 31}, {"lr": 0.001},
              {"width": 48}, {"blocks": 2}, {"conditional": True}, {"label_dropout": 0.2}, {"dataset": "mnist"}]
    for change in differ:
        assert key(base.replace(**change)) != key(base), change
    assert key(base, world=2) != key(base) and key(base, device="cuda") != key(base)


@pytest.mark.parametrize("prediction", ["x0", "v", "edm"])
def test_every_prediction_type_runs_and_its_stored_model_reads_back(tmp_path, prediction):
    from collapse_lib.loop.readback import stored_model
    from collapse_lib.representation import model_stable_rank

    cfg = from_dict({**TINY, "prediction": prediction, "noise_schedule": "cosine", "ema_decay": 0.9,
                     "quantize_samples": True, "iterations": 1})
    run = run_loop(cfg, runs_root=tmp_path, progress=False)
    metrics = json.loads((run / "iter_01" / "metrics.json").read_text())
    assert np.isfinite([metrics[k] for k in ("gs", "memorized_share", "trace_ratio", "spikiness", "stable_rank")]).all()
    images = np.load(run / "iter_01" / "samples.npz")["images"]
    assert np.allclose(np.round((images + 1) * 8), (images + 1) * 8, atol=1e-5), "not on the digits' 17 grey levels"
    model = stored_model(run, 1)[0]
    assert model_stable_rank(model)["mean"] == pytest.approx(metrics["stable_rank"], rel=1e-6)
    assert type(model).__name__ == ("Preconditioned" if prediction == "edm" else "MLPDenoiser")


def test_unknown_prediction_and_a_bad_ema_are_refused():
    from collapse_lib.loop.config import ConfigError

    with pytest.raises(ConfigError, match="prediction.*noise_schedule|noise_schedule"):
        from_dict({**TINY, "prediction": "score", "noise_schedule": "sigmoid"})
    with pytest.raises(ConfigError, match="ema_decay"):
        from_dict({**TINY, "ema_decay": 1.0})


def test_entropy_of_a_set_on_the_grey_level_grid_falls_when_it_collapses_into_duplicates():
    from collapse_lib.loop.measure import distinct_entropy, entropy_readings, set_entropy

    rng = np.random.default_rng(0)
    grid = 2 / 16
    spread = np.round(rng.uniform(-1, 1, size=(64, 16)) / grid) * grid  # 64 distinct grid images
    collapsed = np.repeat(spread[:16], 4, axis=0)  # 16 of them, each four times
    readings = entropy_readings(collapsed, grid)
    assert entropy_readings(spread, grid)["distinct_share"] == 1.0 and readings["distinct_share"] == 0.25
    assert set_entropy(collapsed, grid) < set_entropy(spread, grid) - 5
    # the distinct-rows reading drops duplicates, and the collapsed set looks no less spread out
    assert readings["entropy_distinct"] == distinct_entropy(spread[:16])
    assert distinct_entropy(collapsed) > distinct_entropy(spread) - 1


def test_float_copies_lose_entropy_under_the_books_reading_too():
    from collapse_lib.loop.measure import set_entropy

    rng = np.random.default_rng(1)
    spread = rng.uniform(-1, 1, size=(64, 16))
    copies = np.repeat(spread[:16], 4, axis=0) + rng.normal(0, 0.01, (64, 16))  # near-copies, all distinct
    assert set_entropy(copies) < set_entropy(spread) - 5


def test_entropy_at_a_fixed_subsample_size_removes_the_estimators_dependence_on_n():
    from collapse_lib.loop.measure import fixed_size_entropy, set_entropy

    rng = np.random.default_rng(2)
    small, large = rng.normal(size=(64, 8)), rng.normal(size=(1024, 8))  # the same Gaussian, 64 and 1,024 draws
    assert fixed_size_entropy(small) == set_entropy(small)
    gap_plain = abs(set_entropy(large) - set_entropy(small))
    gap_fixed = abs(fixed_size_entropy(large) - fixed_size_entropy(small))
    assert gap_fixed < gap_plain



def test_measurement_samples_change_nothing_the_loop_trains_on(tmp_path):
    """Drawing 200 extra samples for the Fréchet distance and KID leaves every training set and sample the same."""
    plain = run_loop(from_dict({**TINY, "quantize_samples": True}), runs_root=tmp_path / "a", progress=False)
    measured = run_loop(from_dict({**TINY, "quantize_samples": True, "measure_samples": 200}), runs_root=tmp_path / "b",
                        progress=False)
    for n in (1, 2):
        for name in ("train_set.npz", "samples.npz"):
            a, b = np.load(plain / f"iter_{n:02d}" / name), np.load(measured / f"iter_{n:02d}" / name)
            assert all(np.array_equal(a[k], b[k]) for k in a.files), (n, name)
        extra = np.load(measured / f"iter_{n:02d}" / "measure.npz")["images"]
        assert len(extra) == 200 and not (plain / f"iter_{n:02d}" / "measure.npz").exists()
    a, b = (json.loads((d / "iter_02" / "metrics.json").read_text()) for d in (plain, measured))
    assert a["gs"] == b["gs"] and a["fd_n"] == b["fd_n"] and b["n_measured"] == 200 and a["n_measured"] == 40
    assert a["fd"] == a["fd_n"] and b["fd"] != b["fd_n"] and np.isfinite(b["kid"]) and b["kid_se"] > 0


def test_the_matched_control_keeps_the_scheduled_share_of_real_images(tmp_path):
    from collapse_lib.loop.config import ConfigError

    cfg = from_dict({**TINY, "iterations": 3, "paradigm": "accumulate-subsample", "selector": "matched",
                     "real_schedule": [0.75, 0.25]})
    run = run_loop(cfg, runs_root=tmp_path, progress=False)
    shares = [json.loads((run / f"iter_{n:02d}" / "metrics.json").read_text())["real_share"] for n in (2, 3)]
    assert shares == [30 / 40, 10 / 40]
    with pytest.raises(ConfigError, match="real_schedule: expected 2 shares"):
        from_dict({**TINY, "iterations": 3, "paradigm": "accumulate-subsample", "selector": "matched",
                   "real_schedule": [0.5]})
    with pytest.raises(ConfigError, match="needs one real share per iteration"):
        from_dict({**TINY, "paradigm": "accumulate-subsample", "selector": "matched"})


def test_each_seed_draws_its_own_real_subset_nested_across_sizes():
    from collapse_lib import experiments

    configs = experiments.sizes_configs({}, sizes=[16, 64], iterations=2, seeds=[0, 1])
    assert [(c.n_train, c.seed, c.subset_seed) for c in configs] == [(16, 0, 0), (16, 1, 1), (64, 0, 0), (64, 1, 1)]
    from collapse_lib.data import load_dataset

    data = load_dataset("digits")
    small, large, other = data.subset(16, 0), data.subset(64, 0), data.subset(16, 1)
    assert np.array_equal(large[:16], small) and not np.array_equal(small, other)
