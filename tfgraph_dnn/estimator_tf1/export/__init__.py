"""``tf.estimator.export``: serving input receivers and export outputs (TF 1.15)."""
from .export import (ServingInputReceiver, TensorServingInputReceiver,  # noqa: F401
                     build_parsing_serving_input_receiver_fn,
                     build_raw_serving_input_receiver_fn)
from .export_output import (ClassificationOutput, ExportOutput, PredictOutput,  # noqa: F401
                            RegressionOutput)

__all__ = ["ServingInputReceiver", "TensorServingInputReceiver",
           "build_parsing_serving_input_receiver_fn", "build_raw_serving_input_receiver_fn",
           "ClassificationOutput", "ExportOutput", "PredictOutput", "RegressionOutput"]
