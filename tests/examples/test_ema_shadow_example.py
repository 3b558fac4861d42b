"""examples/ema_shadow.py: the classic demonstration prints TensorFlow's numbers."""

from __future__ import annotations

from tests._scripts import load_example


def test_classic_demonstration_prints_the_shadow_path(capsys):
    module = load_example("ema_shadow.py")
    module.classic_demonstration()
    lines = capsys.readouterr().out.splitlines()
    assert lines[1] == "start     [0.0, 0.0000]"
    assert lines[2] == "step   0  [1.0, 0.9000]  (0.9000)"
    assert lines[3] == "step 100  [10.0, 1.6445]  (1.6445)"
    assert lines[-1] == "step 100  [10.0, 4.9934]  (4.9934)"
    assert len(lines) == 10


def test_model_is_evaluated_with_raw_and_averaged_weights(capsys):
    module = load_example("ema_shadow.py")
    ((raw, averaged),) = module.model_with_shadow_weights(steps=100)
    assert 0.0 < raw < 1.0 and 0.0 < averaged < 1.0
    assert raw != averaged  # the swap really evaluated other weights
    assert "   100 " in capsys.readouterr().out
