import pytest
import torch

from collapse_lib.diffusion import TrainSettings, make_scheduler, sample_images, train_denoiser
from collapse_lib.models import build_denoiser, load_denoiser


def test_cifar_unet_matches_appendix_d():
    unet = build_denoiser("unet-cifar", sample_size=32, in_channels=3)
    c = unet.config
    assert tuple(c.block_out_channels) == (48, 48, 96, 96, 144, 144)
    assert c.norm_num_groups == 16 and c.layers_per_block == 2 and c.in_channels == c.out_channels == 3
    assert len(c.down_block_types) == 6 and len(c.up_block_types) == 6
    with torch.no_grad():
        out = unet(torch.randn(2, 3, 32, 32), torch.tensor([10, 500])).sample
    assert out.shape == (2, 3, 32, 32)


def test_mnist_unet_matches_appendix_d_and_takes_class_labels():
    unet = build_denoiser("unet-mnist", sample_size=32, in_channels=1, num_classes=10)
    c = unet.config
    assert tuple(c.block_out_channels) == (64, 128, 256, 512) and c.norm_num_groups == 32
    assert c.num_class_embeds == 11  # ten digits and the null label of classifier-free guidance
    with torch.no_grad():
        out = unet(torch.randn(2, 1, 32, 32), torch.tensor(3), class_labels=torch.tensor([1, 10])).sample
    assert out.shape == (2, 1, 32, 32)


def test_mlp_round_trips_through_save_pretrained(tmp_path):
    torch.manual_seed(0)
    mlp = build_denoiser("mlp", sample_size=8, in_channels=1, width=32, blocks=2, num_classes=10)
    mlp.save_pretrained(tmp_path / "m")
    again = load_denoiser(tmp_path / "m")
    x, t, y = torch.randn(3, 1, 8, 8), torch.tensor([1, 2, 3]), torch.tensor([0, 4, 10])
    with torch.no_grad():
        torch.testing.assert_close(mlp(x, t, class_labels=y).sample, again(x, t, class_labels=y).sample)


def test_training_lowers_the_denoising_loss():
    torch.manual_seed(0)
    data = torch.randn(256, 1, 8, 8).clamp(-1, 1) * 0.2 + torch.linspace(-0.5, 0.5, 64).view(1, 1, 8, 8)
    losses = []
    model = build_denoiser("mlp", sample_size=8, in_channels=1, width=64, blocks=2)
    train_denoiser(model, data, None, settings=TrainSettings(steps=300, batch_size=64, lr=2e-3), scheduler=make_scheduler(),
                   seed=0, callbacks=[lambda step, loss: losses.append(loss)])
    assert sum(losses[-50:]) / 50 < 0.6 * sum(losses[:50]) / 50


def test_ema_matches_a_plain_moving_average_of_the_weights():
    torch.manual_seed(0)
    model = build_denoiser("mlp", sample_size=8, in_channels=1, width=16, blocks=1)
    reference = [p.detach().clone() for p in model.parameters()]

    def track(step, loss):
        for r, p in zip(reference, model.parameters(), strict=True):
            r.mul_(0.9).add_(p.detach(), alpha=0.1)

    ema = train_denoiser(model, torch.randn(32, 1, 8, 8), None, scheduler=make_scheduler(), seed=0, callbacks=[track],
                         settings=TrainSettings(steps=20, batch_size=16, lr=1e-2, ema_decay=0.9))
    assert ema is not model
    for r, e in zip(reference, ema.parameters(), strict=True):
        torch.testing.assert_close(e.detach(), r, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("sampler, steps", [("ddpm", 20), ("ddim", 10)])
def test_sampling_is_seeded_and_in_range(sampler, steps):
    torch.manual_seed(0)
    model = build_denoiser("mlp", sample_size=8, in_channels=1, width=16, blocks=1, num_classes=10)
    kw = dict(image_shape=(1, 8, 8), train_scheduler=make_scheduler(), sampler=sampler, steps=steps, seed=5,
              batch_size=7, labels=torch.arange(20) % 10, guidance=3.0)
    a, b = sample_images(model, 20, **kw), sample_images(model, 20, **kw)
    assert a.shape == (20, 1, 8, 8) and (a == b).all() and a.min() >= -1 and a.max() <= 1
    assert not (a == sample_images(model, 20, **{**kw, "seed": 6})).all()


@pytest.mark.parametrize("prediction", ["epsilon", "x0", "v"])
def test_training_target_inverts_to_the_clean_image(prediction):
    """The scheduler's own step recovers x0 from x_t and the exact target, for every prediction type."""
    from collapse_lib.diffusion import training_target

    sched = make_scheduler(schedule="cosine", prediction=prediction)
    x0, noise = torch.rand(4, 1, 8, 8) * 2 - 1, torch.randn(4, 1, 8, 8)
    t = torch.tensor([3, 200, 600, 900])  # where sqrt(a_t) is not vanishingly small
    a = sched.alphas_cumprod[t].view(-1, 1, 1, 1)
    xt = a.sqrt() * x0 + (1 - a).sqrt() * noise
    target = training_target(sched, x0, noise, t)
    x0_hat = {"epsilon": (xt - (1 - a).sqrt() * target) / a.sqrt(), "x0": target,
              "v": a.sqrt() * xt - (1 - a).sqrt() * target}[prediction]
    torch.testing.assert_close(x0_hat, x0, atol=1e-3, rtol=1e-3)


def test_unknown_prediction_or_schedule_is_refused():
    with pytest.raises(ValueError, match="prediction"):
        make_scheduler(prediction="score")
    with pytest.raises(ValueError, match="schedule"):
        make_scheduler(schedule="sigmoid")
