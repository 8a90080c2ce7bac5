import numpy as np

from engine.train.pictures import thumbnails


def test_thumbnails_are_rounded_bytes_grey_or_channels_last():
    grey = np.array([[[[0.0, 0.5], [1.2, -0.1]]]])  # (1, 1, 2, 2)
    out = thumbnails(grey)
    assert out.dtype == np.uint8 and out.shape == (1, 2, 2)
    assert out.tolist() == [[[0, 128], [255, 0]]]  # 0.5·255 = 127.5 rounds up; out of [0, 1] clipped
    rgb = np.zeros((2, 3, 4, 5))
    rgb[1, 2, 3, 4] = 1.0  # blue of the last pixel of the second image
    out = thumbnails(rgb)
    assert out.shape == (2, 4, 5, 3) and out[1, 3, 4].tolist() == [0, 0, 255] and out.sum() == 255


def test_the_vae_sends_its_hover_thumbnails_with_its_first_picture_only():
    import torch

    from engine.train.vae import VAEParams, VAETask

    task = VAETask(VAEParams(), (1, 8, 8), torch.device("cpu"), amp=False)
    x, y = torch.rand(30, 1, 8, 8), torch.arange(30) % 3
    with torch.no_grad():
        first = {kind: p for kind, _, p in task.artifacts(x, y)}["scatter"]
        later = {kind: p for kind, _, p in task.artifacts(x, y)}["scatter"]
    np.testing.assert_array_equal(first["images"], np.round(x.numpy()[:, 0] * 255).astype(np.uint8))
    assert "images" not in later and later["points"].shape == (30, 2)
