"""ZooVector: a Keras 3 model exported by layerc 0.1.0.

Builds and compiles the same model as the spec and loads its weights from zoo_vector.weights.h5.
Run with any Keras 3 backend, e.g.  KERAS_BACKEND=jax python zoo_vector.py
"""
import pathlib

import keras

# To train on several devices (data parallel: each batch is split across them,
# gradients are averaged), uncomment before the model is built:
#
# devices = keras.distribution.list_devices()
# keras.distribution.set_distribution(keras.distribution.DataParallel(devices=devices))


def build_model():
    model = keras.Sequential(
        [
            keras.Input(shape=(6,)),
            keras.layers.Normalization(mean=(0.1, 0.2, 0.3, 0.4, 0.5, 0.6), variance=(1, 2, 0.5, 1.5, 1, 0.25), name="normalization"),
            keras.layers.Rescaling(0.5, offset=0.1, name="rescaling"),
            keras.layers.GaussianNoise(0.1, name="gaussian_noise"),
            keras.layers.Dense(8, name="dense"),
            keras.layers.UnitNormalization(name="unit_normalization"),
            keras.layers.GaussianDropout(0.1, name="gaussian_dropout"),
            keras.layers.AlphaDropout(0.1, name="alpha_dropout"),
            keras.layers.RepeatVector(3, name="repeat_vector"),
            keras.layers.Permute((2, 1), name="permute"),
            keras.layers.Reshape((4, 6), name="reshape"),
            keras.layers.ZeroPadding1D(name="zero_padding1d"),
            keras.layers.Cropping1D(cropping=(1, 0), name="cropping1d"),
            keras.layers.UpSampling1D(name="up_sampling1d"),
            keras.layers.Conv1DTranspose(3, 3, name="conv1d_transpose"),
            keras.layers.SeparableConv1D(2, 3, depth_multiplier=2, name="separable_conv1d"),
            keras.layers.SpatialDropout1D(0.1, name="spatial_dropout1d"),
            keras.layers.GlobalMaxPooling1D(name="global_max_pooling1d"),
        ],
        name="ZooVector",
    )
    return model


if __name__ == "__main__":
    model = build_model()
    model.load_weights(pathlib.Path(__file__).with_name("zoo_vector.weights.h5"))
    model.summary()
