"""The job helpers run spark-nn's jobs in the caller's session."""

import json
import os

import pytest

from sparknn import jobs


def test_train_evaluate_score_export_in_one_session(spark, dataset, tmp_path):
    model = str(tmp_path / "model")
    jobs.train(dataset=dataset, model="mlp", epochs=1, batch_size=128, output=model)
    assert os.path.exists(os.path.join(model, "weights.bin"))
    evaluation = str(tmp_path / "evaluation.json")
    jobs.evaluate(model=model, dataset=dataset, output=evaluation, no_report=True)
    with open(evaluation) as f:
        assert json.load(f)["metrics"]["accuracy"] >= 0.80
    scores = str(tmp_path / "scores")
    jobs.score(model=model, input=dataset, output=scores, top_k=2)
    assert spark.read.parquet(scores).count() == 1000
    onnx = str(tmp_path / "model.onnx")
    jobs.export(model=model, format="onnx", output=onnx)
    assert os.path.getsize(onnx) > 100_000
    # the session is still the caller's, and open
    assert spark.range(3).count() == 3


def test_a_failing_job_raises_with_its_message_and_code(spark, dataset, tmp_path):
    with pytest.raises(jobs.JobError, match="--epochs must be positive, got 0") as e:
        jobs.train(dataset=dataset, model="mlp", epochs=0, output=str(tmp_path / "m"))
    assert e.value.code == 2
    with pytest.raises(Exception, match="no job 'fly'"):
        jobs.run("fly")
