"""ZooImage: a Keras 3 model exported by layerc 0.1.0.

Builds and compiles the same model as the spec and loads its weights from zoo_image.weights.h5.
Run with any Keras 3 backend, e.g.  KERAS_BACKEND=jax python zoo_image.py
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
            keras.Input(shape=(8, 8, 3)),
            keras.layers.ZeroPadding2D(name="zero_padding2d"),
            keras.layers.Conv2D(4, (3, 3), dilation_rate=(2, 2), name="conv2d"),
            keras.layers.ReLU(max_value=6, name="re_lu"),
            keras.layers.Cropping2D(cropping=((1, 0), (0, 1)), name="cropping2d"),
            keras.layers.UpSampling2D(name="up_sampling2d"),
            keras.layers.DepthwiseConv2D((3, 3), depth_multiplier=2, name="depthwise_conv2d"),
            keras.layers.LeakyReLU(negative_slope=0.1, name="leaky_re_lu"),
            keras.layers.SeparableConv2D(3, (3, 3), padding="same", name="separable_conv2d"),
            keras.layers.PReLU(shared_axes=(1, 2), name="p_re_lu"),
            keras.layers.Conv2DTranspose(2, (3, 3), strides=(2, 2), name="conv2d_transpose"),
            keras.layers.SpatialDropout2D(0.2, name="spatial_dropout2d"),
            keras.layers.LayerNormalization(epsilon=0.01, name="layer_normalization"),
            keras.layers.ELU(alpha=0.5, name="elu"),
            keras.layers.GlobalAveragePooling2D(name="global_average_pooling2d"),
            keras.layers.Softmax(name="softmax"),
        ],
        name="ZooImage",
    )
    return model


if __name__ == "__main__":
    model = build_model()
    model.load_weights(pathlib.Path(__file__).with_name("zoo_image.weights.h5"))
    model.summary()
