/** The three example files of LANGUAGE.md §1, verbatim. */
export const seedExample = `# examples/seed.nn: the network from "Initializing and accessing bias with Keras"
model Seed {
  Dense(4, input_shape=(1,), activation='relu', use_bias=True, bias_initializer='zeros')
  Dense(2, activation='softmax')
}
`;

export const irisExample = `# examples/iris.nn
model Iris(seed=7) {
  Input(shape=(4,))
  Dense(16, activation=relu, kernel_initializer=he_normal)
  Dropout(0.1)
  Dense(3, activation=softmax, use_bias=false, name='out')

  compile(optimizer=Adam(learning_rate=0.01), loss=categorical_crossentropy, metrics=[accuracy])
}
`;

export const digitsExample = `# examples/digits.nn
model Digits {
  Input(shape=(28, 28, 1))
  Conv2D(8, (3, 3), padding='same', activation='relu', bias_initializer=Constant(0.1))
  MaxPooling2D((2, 2))
  Conv2D(16, 3, strides=2, use_bias=False)
  Activation('relu')
  Flatten()
  Dense(10, activation='softmax', kernel_initializer=VarianceScaling(scale=2.0, mode='fan_in', distribution='uniform', seed=3))

  compile(optimizer=SGD(learning_rate=0.05, momentum=0.9), loss='sparse_categorical_crossentropy')
}
`;

export const languageExamples = { seed: seedExample, iris: irisExample, digits: digitsExample } as const;
