import numpy as np
import pytest

from collapse_lib.features import ClassifierFeatures, Dinov2Features, make_features


@pytest.fixture(scope="module")
def tiny_dinov2(tmp_path_factory):
    """A random, tiny DINOv2 saved like a hub snapshot (no download)."""
    from transformers import Dinov2Config, Dinov2Model

    cfg = Dinov2Config(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64,
                       image_size=28, patch_size=14)
    path = tmp_path_factory.mktemp("dinov2")
    Dinov2Model(cfg).eval().save_pretrained(path)
    return path


def test_dinov2_cls_features_from_a_local_folder(tiny_dinov2):
    import torch
    from transformers import Dinov2Model

    feats = Dinov2Features(str(tiny_dinov2), local_files_only=True, resolution=28, batch_size=3)
    images = np.random.default_rng(0).uniform(-1, 1, (5, 1, 8, 8)).astype(np.float32)
    out = feats(images)
    assert out.shape == (5, 32) and out.dtype == np.float32
    model = Dinov2Model.from_pretrained(tiny_dinov2, local_files_only=True).eval()
    with torch.no_grad():
        expected = model(pixel_values=feats._prepare(torch.from_numpy(images))).last_hidden_state[:, 0].numpy()
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)


def test_dinov2_missing_weights_is_a_clear_error(tmp_path):
    with pytest.raises(RuntimeError, match="could not load DINOv2"):
        Dinov2Features(str(tmp_path / "nothing"), local_files_only=True)


def test_classifier_features_are_cached_and_discriminative(tmp_path):
    from collapse_lib.data import load_dataset

    data = load_dataset("digits")
    x = data.to_float()
    first = ClassifierFeatures(x, data.labels, cache_dir=tmp_path, steps=300)
    assert len(list(tmp_path.glob("classifier-*.pt"))) == 1
    again = ClassifierFeatures(x, data.labels, cache_dir=tmp_path, steps=300)
    np.testing.assert_array_equal(first(x[:20]), again(x[:20]))
    assert (first.predict(x) == data.labels).mean() > 0.8
    assert first(x[:7]).shape == (7, 128)


def test_classifier_refit_is_deterministic_and_leaves_the_global_rng_alone():
    import torch

    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (200, 1, 8, 8)).astype(np.float32)
    labels = rng.integers(0, 3, 200)
    torch.manual_seed(123)
    expected_next = torch.rand(3)
    torch.manual_seed(123)
    first = ClassifierFeatures(x, labels, steps=20)
    np.testing.assert_array_equal(torch.rand(3).numpy(), expected_next.numpy())
    second = ClassifierFeatures(x, labels, steps=20)
    np.testing.assert_array_equal(first(x[:10]), second(x[:10]))
    other_seed = ClassifierFeatures(x, labels, steps=20, seed=1)
    assert not np.array_equal(first(x[:10]), other_seed(x[:10]))


def test_registry_rejects_unknown_names():
    assert make_features("pixel")(np.zeros((3, 1, 2, 2))).shape == (3, 4)
    with pytest.raises(ValueError, match="unknown feature space"):
        make_features("clip")
    with pytest.raises(ValueError, match="real images"):
        make_features("classifier")


def test_inception_without_its_package_or_weights_says_what_to_do(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "torch_fidelity.feature_extractor_inceptionv3", None)
    with pytest.raises(RuntimeError, match="torch-fidelity"):
        make_features("inception")
