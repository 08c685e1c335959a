"""The examples run as smoke tests, in-process (the digits job with two epochs)."""
import runpy
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _load(name):
    return runpy.run_path(str(EXAMPLES / name), run_name="example")


def test_quickstart_matches_bigdl(capsys):
    _load("quickstart.py")["main"]()
    out = capsys.readouterr().out
    # SPEC's BigDL 2.4 reference vectors, printed in BigDL's layout
    assert "2.0\t0.0\t0.0\t0.0\t\n10.0\t12.0\t14.0\t0.0\t\n[bigdl_py.Tensor[float32] of size " \
           "2x4]" in out
    assert "1.0\t0.0\t0.0\t0.0\t\n5.0\t6.0\t7.0\t0.0\t\n" in out
    assert "1.190023\t1.0124038\t0.7648297\t\n0.99722993\t0.975397\t1.0006535\t\n" in out
    # SpatialDropout1D keeps channels [0,0,1,0,0], [0,0,1,1,1], [1,1,0,1,0]: the gradient
    assert ("(1,.,.) =\n" + "0.0\t0.0\t1.0\t0.0\t0.0\t\n" * 4) in out
    assert ("(2,.,.) =\n" + "0.0\t0.0\t1.0\t1.0\t1.0\t\n" * 4) in out
    assert ("(3,.,.) =\n" + "1.0\t1.0\t0.0\t1.0\t0.0\t\n" * 4) in out
    assert out.count("=====") == 2 * 9


def test_train_digits_smoke(tmp_path, capsys):
    pytest.importorskip("sklearn")
    pytest.importorskip("matplotlib")
    main = _load("train_digits.py")["main"]
    assert main(["--epochs", "2", "--cnn-epochs", "1", "--out", str(tmp_path),
                 "--min-accuracy", "0.5", "--min-cnn-accuracy", "0.5"]) == 0
    out = capsys.readouterr()
    assert "reloaded accuracy" in out.out and "(identical)" in out.out
    assert "SpatialConvolution[conv1](1 -> 16, 3 x 3, 1, 1, 1, 1)" in out.out
    assert "CNN: trained 1 epochs" in out.out and "reloaded (identical)" in out.out
    assert (tmp_path / "digits_cnn.bigdl").exists()
    assert "epoch 2/2  iterations 90" in out.err  # ceil(1437 / 32) = 45 per epoch
    assert (tmp_path / "digits_model.bigdl").stat().st_size > 100_000
    png = (tmp_path / "training_curve.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert str(tmp_path / "training_curve.png") in out.out
    assert f"tensorboard --logdir {tmp_path / 'logs'}" in out.out
    from bigdl_py.optim import TrainSummary, ValidationSummary
    assert len(TrainSummary(str(tmp_path / "logs"), "digits").read_scalar("Loss")) == 90
    assert len(ValidationSummary(str(tmp_path / "logs"), "digits")
               .read_scalar("Top1Accuracy")) == 2


def test_train_digits_reports_low_accuracy(tmp_path, capsys):
    pytest.importorskip("sklearn")
    pytest.importorskip("matplotlib")
    main = _load("train_digits.py")["main"]
    assert main(["--epochs", "1", "--cnn-epochs", "1", "--out", str(tmp_path),
                 "--min-accuracy", "1.01"]) == 1
    assert "is below 1.01" in capsys.readouterr().err
