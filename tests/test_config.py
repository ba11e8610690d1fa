import time

import pytest

from collapse_lib.loop.config import ConfigError, RunConfig, from_dict, load_config


def test_smoke_params_file_is_valid():
    cfg = load_config("params/smoke/run.yaml")
    assert cfg.dataset == "digits" and cfg.iterations == 2


def test_every_problem_is_listed_at_once_and_fast():
    t0 = time.perf_counter()
    with pytest.raises(ConfigError) as err:
        from_dict({"n_train": 5000, "paradigm": "recycle", "selector": "best", "alpha": 1.5, "tau": -1,
                   "dataset": "digits", "colour": "blue"})
    assert time.perf_counter() - t0 < 1.0
    msg = str(err.value)
    for needle in ["colour: unknown key", "paradigm", "selector", "alpha", "tau", "n_train: 5000 exceeds"]:
        assert needle in msg, needle


def test_wrong_types_are_reported():
    with pytest.raises(ConfigError, match="n_train: expected int"):
        from_dict({"n_train": "many"})
    with pytest.raises(ConfigError, match="conditional: expected bool"):
        from_dict({"conditional": 1})


@pytest.mark.parametrize(
    "values, match",
    [
        ({"paradigm": "replace", "generate": 10, "n_train": 20}, "replace needs at least"),
        ({"paradigm": "accumulate", "selector": "greedy"}, "accumulate-subsample"),
        ({"dataset": "cifar10"}, "data_root"),
        ({"conditional": True, "selector": "greedy", "n_train": 55}, "multiple of 10"),
        ({"train_steps": None}, "train_steps or epochs"),
        ({"pool_factor": 0.5}, "pool_factor"),
    ],
)
def test_impossible_sizes_and_combinations(values, match):
    with pytest.raises(ConfigError, match=match):
        from_dict(values)


def test_overrides_and_hash(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("n_train: 64\niterations: 3\n")
    cfg = load_config(path, overrides=["selector=greedy", "pool_factor=2"])
    assert cfg.selector == "greedy" and cfg.pool_factor == 2 and cfg.samples_per_iteration == 128
    assert cfg.config_hash() == load_config(path, overrides=["selector=greedy", "pool_factor=2"]).config_hash()
    assert cfg.config_hash() != RunConfig().config_hash()
    with pytest.raises(ConfigError, match="KEY=VALUE"):
        load_config(path, overrides=["selector"])
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.yaml")


@pytest.mark.parametrize("profile", ["cpu", "paper", "rehearsal"])
def test_every_profile_parameter_file_resolves_to_valid_configs(profile):
    from collapse_lib.plan import chapter_configs

    for name, configs in chapter_configs(profile).items():
        assert configs, name  # every config built, so validated


def test_a_config_is_validated_when_it_is_built():
    with pytest.raises(ConfigError, match="n_train: must be at least 1"):
        RunConfig(n_train=0)
    with pytest.raises(ConfigError, match="alpha"):
        RunConfig().replace(alpha=2.0)


def test_type_checks_read_the_annotations_not_their_text():
    # float fields take ints, bools are never numbers, unions with None take None
    assert RunConfig(lr=1, tau=None, grad_clip=None).lr == 1
    for values, match in [({"lr": True}, "lr: expected float"), ({"tau": [1]}, "tau: expected float or str or null"),
                          ({"threads": 1.5}, "threads: expected int or null"), ({"name": 3}, "name: expected str")]:
        with pytest.raises(ConfigError, match=match):
            from_dict(values)


def test_lr_schedule_and_grad_clip_are_config_keys_and_reach_training():
    from collapse_lib.loop.first_model import train_settings

    cfg = RunConfig(lr_schedule="cosine", grad_clip=None)
    assert train_settings(cfg).lr_schedule == "cosine" and train_settings(cfg).grad_clip is None
    with pytest.raises(ConfigError, match="lr_schedule"):
        RunConfig(lr_schedule="step")
    with pytest.raises(ConfigError, match="grad_clip"):
        RunConfig(grad_clip=0.0)


def test_keys_that_change_no_number_stay_out_of_the_hash_and_the_rest_stay_in():
    base = RunConfig()
    assert base.replace(save_models=False).config_hash() == base.config_hash()
    for change in ({"threads": 2}, {"device": "cpu"}, {"precision": "bf16"}, {"quantize_samples": True},
                   {"lr_schedule": "cosine"}, {"grad_clip": 2.0}):
        assert base.replace(**change).config_hash() != base.config_hash(), change
    assert "extra" not in base.to_dict()


def test_an_empty_config_file_is_refused(tmp_path):
    path = tmp_path / "empty.yaml"
    path.write_text("# nothing here\n")
    with pytest.raises(ConfigError, match="empty"):
        load_config(path)
