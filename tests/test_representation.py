"""Spikiness of hidden representations and stable rank, against plain references."""

import numpy as np
import pytest
import torch

from collapse_lib.diffusion import make_scheduler
from collapse_lib.models import build_denoiser
from collapse_lib.representation import activation_spikiness, model_stable_rank, spikiness_of, stable_rank


class ReLUEncoder(torch.nn.Module):
    """The first layer of a two-layer ReLU denoising autoencoder f(x) = W2 [W1^T x]_+ (its representation)."""

    def __init__(self, w1: np.ndarray):
        super().__init__()
        self.w1 = torch.as_tensor(w1, dtype=torch.float32)

    def forward(self, x):
        return torch.relu(x.reshape(len(x), -1) @ self.w1)


def test_spikiness_matches_a_plain_formula(rng):
    h = np.abs(rng.normal(size=(20, 30)))
    unit = h / np.linalg.norm(h, axis=1, keepdims=True)
    np.testing.assert_allclose(spikiness_of(torch.from_numpy(h)), unit.std(axis=1) * np.sqrt(30), rtol=1e-6)


def test_one_active_unit_is_spiky_and_an_even_spread_is_not():
    one_hot, even = torch.zeros(1, 64), torch.ones(1, 64)
    one_hot[0, 7] = 5.0
    assert spikiness_of(one_hot)[0] == pytest.approx(np.sqrt(1 - 1 / 64), rel=1e-6)
    assert spikiness_of(even)[0] == pytest.approx(0.0, abs=1e-7)
    assert spikiness_of(3 * one_hot)[0] == pytest.approx(spikiness_of(one_hot)[0])  # scale does not count
    assert spikiness_of(torch.zeros(1, 8))[0] == 0.0


def test_an_encoder_that_stores_the_training_samples_is_spikier_on_them(rng):
    """Seed 003's construction: memorizing encoder weights are the (normalized) training samples themselves."""
    train = rng.normal(size=(48, 64))
    memorizing = ReLUEncoder((train / np.linalg.norm(train, axis=1, keepdims=True)).T)
    random_dirs = rng.normal(size=(64, 48))
    generalizing = ReLUEncoder(random_dirs / np.linalg.norm(random_dirs, axis=0, keepdims=True))
    spiky = activation_spikiness(memorizing, train)
    balanced = activation_spikiness(generalizing, train)
    assert spiky.mean() > balanced.mean() + 0.05
    assert (spiky > np.median(balanced)).mean() > 0.9


def test_denoiser_spikiness_reads_the_last_block_at_a_seeded_noise_level():
    torch.manual_seed(0)
    mlp = build_denoiser("mlp", sample_size=8, in_channels=1, width=32, blocks=2)
    images = torch.rand(10, 1, 8, 8) * 2 - 1
    sched = make_scheduler(schedule="cosine", prediction="x0")
    a = activation_spikiness(mlp, images, timestep=50, scheduler=sched, seed=3)
    b = activation_spikiness(mlp, images, timestep=50, scheduler=sched, seed=3)
    c = activation_spikiness(mlp, images, timestep=900, scheduler=sched, seed=3)
    assert a.shape == (10,) and np.isfinite(a).all() and (a > 0).all()
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)
    with pytest.raises(ValueError, match="timestep"):
        activation_spikiness(mlp, images, timestep=1000, scheduler=sched)


def test_unet_and_conditional_denoisers_are_read_at_their_mid_block():
    torch.manual_seed(0)
    unet = build_denoiser("unet-small", sample_size=8, in_channels=1, num_classes=10)
    scores = activation_spikiness(unet, torch.rand(4, 1, 8, 8) * 2 - 1, timestep=20, labels=[0, 1, 2, 10])
    assert scores.shape == (4,) and np.isfinite(scores).all()


def test_stable_rank_of_plain_matrices(rng):
    u, v = rng.normal(size=(6, 1)), rng.normal(size=(1, 9))
    assert stable_rank(u @ v) == pytest.approx(1.0)
    assert stable_rank(np.eye(5)) == pytest.approx(5.0)
    w = rng.normal(size=(7, 4))
    s = np.linalg.svd(w, compute_uv=False)
    assert stable_rank(w) == pytest.approx((s**2).sum() / s[0] ** 2)
    assert stable_rank(torch.ones(3, 2, 3, 3)) == pytest.approx(1.0)  # a conv kernel, read as (out, in*kh*kw)
    with pytest.raises(ValueError, match="matrix"):
        stable_rank(np.ones(4))


def test_model_stable_rank_covers_every_linear_layer():
    mlp = build_denoiser("mlp", sample_size=8, in_channels=1, width=16, blocks=2)
    summary = model_stable_rank(mlp)
    n_linear = sum(isinstance(m, torch.nn.Linear) for m in mlp.modules())
    assert len(summary["per_layer"]) == n_linear
    assert summary["mean"] == pytest.approx(np.mean(list(summary["per_layer"].values())))
