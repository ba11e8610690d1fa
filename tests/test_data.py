import pickle

import numpy as np
import pytest
from PIL import Image

from collapse_lib.data import DatasetMissing, load_dataset


def _write_cifar_stand_in(root, per_batch=6):
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for i in range(1, 6):
        batch = {b"data": rng.integers(0, 256, (per_batch, 3072), dtype=np.uint8),
                 b"labels": list(rng.integers(0, 10, per_batch))}
        with open(folder / f"data_batch_{i}", "wb") as fh:
            pickle.dump(batch, fh)
    return folder


def test_cifar10_reads_standard_batches(tmp_path):
    folder = _write_cifar_stand_in(tmp_path)
    data = load_dataset("cifar10", root=str(tmp_path))
    assert data.images.shape == (30, 3, 32, 32) and data.images.dtype == np.uint8
    with open(folder / "data_batch_2", "rb") as fh:
        second = pickle.load(fh, encoding="bytes")
    np.testing.assert_array_equal(data.images[6].reshape(-1), second[b"data"][0])
    assert data.labels[6] == second[b"labels"][0]
    assert data.to_float().min() >= -1 and data.to_float().max() <= 1


def test_missing_cifar_says_where_to_put_files(tmp_path):
    with pytest.raises(DatasetMissing, match="cifar-10-batches-py"):
        load_dataset("cifar10", root=str(tmp_path))


def test_imagefolder_resizes_and_labels_by_subfolder(tmp_path):
    rng = np.random.default_rng(1)
    for cls in ("cats", "dogs"):
        (tmp_path / cls).mkdir()
        for i in range(3):
            Image.fromarray(rng.integers(0, 256, (40, 40, 3), dtype=np.uint8)).save(tmp_path / cls / f"{i}.png")
    data = load_dataset("imagefolder", root=str(tmp_path), image_size=16)
    assert data.images.shape == (6, 3, 16, 16)
    assert data.labels.tolist() == [0, 0, 0, 1, 1, 1] and data.num_classes == 2


def test_empty_imagefolder_is_a_clear_error(tmp_path):
    with pytest.raises(DatasetMissing, match="no images"):
        load_dataset("imagefolder", root=str(tmp_path))


def test_digits_keep_their_grey_levels_and_scale():
    data = load_dataset("digits")
    assert data.images.shape == (1797, 1, 8, 8) and data.max_value == 16
    x = data.to_float([0])
    from sklearn.datasets import load_digits

    np.testing.assert_allclose(x[0, 0], load_digits().images[0] / 8 - 1)


def test_mnist_offline_subset_pads_to_32():
    data = load_dataset("mnist", image_size=32)
    assert data.images.shape == (5000, 1, 32, 32)
    assert np.bincount(data.labels).tolist() == [500] * 10
    assert (data.images[:, :, :2] == 0).all()


def test_subsets_are_nested_and_reproducible():
    data = load_dataset("digits")
    small, large = data.subset(128, seed=0), data.subset(1024, seed=0)
    np.testing.assert_array_equal(large[:128], small)
    np.testing.assert_array_equal(small, data.subset(128, seed=0))
    with pytest.raises(ValueError, match="holds 1797"):
        data.subset(5000, seed=0)
