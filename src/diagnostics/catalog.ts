/**
 * The one catalog of diagnostics. Every diagnostic layerc reports comes from
 * here: a stable subject-first code, a severity, a message template with
 * named holes (`{name}`), and a short explanation that the generated docs
 * (docs/diagnostics.md) print. Codes never change meaning once released;
 * warnings can be silenced by code, errors cannot.
 */

/** Errors stop code generation; warnings can be silenced by code (`silence` option). */
export type Severity = "error" | "warning";

/** One catalog entry: severity, message template with `{holes}`, and a longer explanation. */
export interface CatalogEntry {
  readonly severity: Severity;
  readonly message: string;
  readonly explain: string;
  /**
   * `keras-file`: reported by `layerc import` / `layerc export` about a Keras
   * or TensorFlow.js file, located by the diagnostic's `path` in that file's
   * config (`config.layers[2].config.kernel_regularizer`) rather than by a
   * span in a spec.
   */
  readonly source?: "keras-file";
}

/** Every diagnostic layerc can report, keyed by its stable code (read-only data). */
export const catalog = {
  // ---- syntax -------------------------------------------------------------
  syntax_invalid_character: {
    severity: "error",
    message: "unexpected character {char}",
    explain: "The lexer found a character that cannot start any token of the `.nn` language. Typographic quotes (‘ ’ “ ”) pasted from a document are a common cause: strings use `'` or `\"`.",
  },
  syntax_unterminated_string: {
    severity: "error",
    message: "unterminated string literal",
    explain: "A string opened with `'` or `\"` is not closed on the same line.",
  },
  syntax_unexpected_token: {
    severity: "error",
    message: "expected {expected}, found {found}",
    explain: "The parser expected a different token here. Recovery continues after the error, so later mistakes are reported too.",
  },
  syntax_invalid_escape: {
    severity: "error",
    message: "invalid escape {escape} in string; only `\\\\`, `\\'` and `\\\"` are allowed",
    explain: "Strings have no escapes beyond a backslash, a single quote and a double quote. Write other characters directly.",
  },
  syntax_nesting_too_deep: {
    severity: "error",
    message: "brackets are nested more than {limit} levels deep",
    explain: "Values may nest tuples, lists and calls, but not without bound; the file is not parsed past this limit.",
  },
  syntax_missing_comma: {
    severity: "error",
    message: "expected `,` between arguments, before `{next}`",
    explain: "Arguments are separated by commas, as in Python: `Dense(4, activation='relu')`. The rest of the call is still checked.",
  },
  syntax_too_many_errors: {
    severity: "error",
    message: "too many errors ({count}); stopping here",
    explain: "After this many syntax errors the rest of the file is not reported, to keep the output readable.",
  },
  // ---- file and model -------------------------------------------------------
  file_too_large: {
    severity: "error",
    message: "spec file is {size} bytes, above the limit of {limit} bytes",
    explain: "Spec files are checked against `limits.maxFileBytes` before parsing. Raise the limit in the compile options if the file is really meant to be this big.",
  },
  file_too_many_diagnostics: {
    severity: "warning",
    message: "{count} more diagnostics in this file are not shown",
    explain: "After this many diagnostics the rest of the file is not reported, so one broken file cannot flood the output (errors among the hidden ones still block code generation).",
  },
  internal_error: {
    severity: "error",
    message: "layerc internal error while {phase}: {detail} (this is a bug in layerc; please report it with the spec)",
    explain: "The compiler failed on this input. It reports the failure instead of throwing, keeps any previous output, and generates nothing.",
  },
  file_no_models: {
    severity: "warning",
    message: "this file declares no model",
    explain: "A `.nn` file normally holds at least one `model Name { ... }` block.",
  },
  model_duplicate: {
    severity: "error",
    message: "model `{name}` is already declared in this file",
    explain: "Model names become exported class names, so each must be unique in its file.",
  },
  model_name_invalid: {
    severity: "error",
    message: "model name `{name}` cannot be used: {reason}",
    explain: "Model names become exported TypeScript classes. They must be identifiers that start with an uppercase letter and are not reserved words or runtime names.",
  },
  model_empty: {
    severity: "error",
    message: "model `{name}` has no layers",
    explain: "A model needs at least one layer after its input.",
  },
  // ---- layers and arguments -------------------------------------------------
  layer_unknown: {
    severity: "error",
    message: "unknown layer `{name}`{suggestion}; supported layers: {supported}",
    explain: "The statement names neither a layer layerc supports nor a Keras layer. The message lists the supported layers in Keras's groups; docs/language.md describes each.",
  },
  layer_unsupported: {
    severity: "error",
    message: "`{name}` is a Keras layer that layerc does not support yet; supported layers: {supported}",
    explain: "Keras has this layer but layerc does not implement it (yet). No other layer is suggested: a different layer would compute something else.",
  },
  module_unknown: {
    severity: "error",
    message: "`{module}.` is not a Keras module prefix; here layerc accepts {accepted}",
    explain: "Pasted Keras code may keep the prefixes Keras itself uses (`layers.Dense`, `keras.layers.Dense`, `tf.keras.layers.Dense`, `keras.optimizers.Adam`, `keras.losses.…`, `regularizers.l2`, `tf.nn.relu`, `keras.Input`); any other prefix is rejected rather than guessed at.",
  },
  module_mismatch: {
    severity: "error",
    message: "`{written}`: {problem}",
    explain: "The module prefix is a real Keras module, but it does not hold what this place takes (an optimizer from `keras.optimizers`, a loss from `keras.losses`, a layer from `keras.layers`, …).",
  },
  statement_unsupported: {
    severity: "error",
    message: "{what} cannot appear in a model block: {reason}",
    explain: "A model block holds layer calls and `compile(...)`, or the pasted Keras forms around them: `model = keras.Sequential([...])`, `model.add(...)`, `model.compile(...)`, and constants such as `num_classes = 10`.",
  },
  method_unsupported: {
    severity: "error",
    message: "`{method}(…)` is not part of a spec: {advice}",
    explain: "A spec describes the model (`add`, `compile`; `summary()` is accepted and ignored). Training, prediction and saving happen in TypeScript with the generated class.",
  },
  layer_name_duplicate: {
    severity: "error",
    message: "layer name `{name}` is already used in model `{model}`",
    explain: "Layer names (given with `name=` or defaulted as Keras does) must be unique in a model.",
  },
  layer_name_invalid: {
    severity: "error",
    message: "layer name `{name}` cannot be used: {reason}",
    explain: "Layer names appear in generated code as identifiers and strings; use letters, digits and `_`, starting with a letter.",
  },
  arg_unknown: {
    severity: "error",
    message: "`{callee}` has no argument `{name}`",
    explain: "The keyword argument is not one this layer, initializer, optimizer or loss accepts.",
  },
  arg_duplicate: {
    severity: "error",
    message: "argument `{name}` is given more than once",
    explain: "Each argument may be given once, either by position or by keyword.",
  },
  arg_positional_after_keyword: {
    severity: "error",
    message: "positional argument follows keyword argument `{keyword}`; move it before the keyword arguments or pass it by name",
    explain: "As in Python, positional arguments must come before keyword arguments.",
  },
  arg_too_many_positional: {
    severity: "error",
    message: "`{callee}` takes at most {max} positional argument(s), got {count}",
    explain: "Pass the extra values by keyword.",
  },
  arg_missing: {
    severity: "error",
    message: "`{callee}` requires argument `{name}`",
    explain: "This argument has no default in Keras 3 and must be given.",
  },
  arg_type: {
    severity: "error",
    message: "`{name}` expects {expected}, got {got}",
    explain: "The value has the wrong type for this argument.",
  },
  arg_range: {
    severity: "error",
    message: "`{name}` must be {constraint}, got {got}",
    explain: "The value is of the right type but outside the range Keras accepts.",
  },
  arg_enum: {
    severity: "error",
    message: "`{name}` must be one of {options}, got {got}",
    explain: "The argument takes one of a fixed set of names.",
  },
  activation_unknown: {
    severity: "error",
    message: "unknown activation `{name}`",
    explain: "See the activation list in docs/language.md.",
  },
  initializer_rank: {
    severity: "error",
    message: "initializer `{initializer}` needs {needs}, but `{tensor}` has shape {shape}",
    explain: "Orthogonal needs rank 2 or more and Identity exactly rank 2 (Keras raises at build time). Use another initializer for this tensor, e.g. zeros for a bias.",
  },
  initializer_unknown: {
    severity: "error",
    message: "unknown initializer `{name}`",
    explain: "Initializers are Keras names in snake_case or class form (`glorot_uniform`, `GlorotUniform`), or calls with arguments.",
  },
  // ---- shapes -------------------------------------------------------------
  input_shape_missing: {
    severity: "error",
    message: "model `{model}` has no input shape; start it with `Input(shape=(...))` or give its first layer `input_shape=`",
    explain: "Start the model with `Input(shape=(...))`, or give `input_shape=` to its first layer, as in Keras.",
  },
  input_shape_misplaced: {
    severity: "error",
    message: "{what} is only allowed on the first layer of a model",
    explain: "The input shape is declared once, by a leading `Input(...)` or by `input_shape=` on the first layer.",
  },
  shape_invalid: {
    severity: "error",
    message: "`{name}` must be a non-empty tuple of positive integers, got {got}",
    explain: "Shapes exclude the batch dimension and every size must be a positive integer.",
  },
  shape_rank: {
    severity: "error",
    message: "`{layer}` expects input of rank {expected}, but its input has shape {shape}",
    explain: "The layer cannot take an input of this rank. The related note names the layer that produces it.",
  },
  shape_nonpositive: {
    severity: "error",
    message: "`{layer}` would produce output shape {shape}: a size is zero or negative",
    explain: "The kernel, pool or stride is larger than the input along some axis. Use `padding='same'` or a smaller window.",
  },
  crop_everything: {
    severity: "error",
    message: "`{layer}` crops {crop} from axis {axis}, which has size {size}: nothing would be left",
    explain: "Cropping removes values from both ends of each spatial axis; together they must leave at least one. Crop less, or crop a larger input.",
  },
  normalization_no_statistics: {
    severity: "error",
    message: "`Normalization` needs both `mean=` and `variance=`; `{missing}` is missing",
    explain: "Keras computes the statistics with `adapt()` on data, which a spec cannot do. Compute them once (e.g. `np.mean(x, axis=0)`, `np.var(x, axis=0)`) and write them into the spec: `Normalization(mean=[…], variance=[…])`, one value per index of `axis` or a single value for all.",
  },
  shape_reshape: {
    severity: "error",
    message: "cannot reshape input of shape {from} ({fromSize} values) to {to}",
    explain: "`Reshape` must keep the number of values; at most one size may be `-1`.",
  },
  // ---- sequence layers ----------------------------------------------------
  shape_dynamic: {
    severity: "error",
    message: "`{name}` has `None` at index {position}: layerc fixes every size at compile time; write the length, e.g. `{name}={fixed}`, and pad or truncate sequences to it",
    explain: "Keras allows `None` for a variable sequence length; layerc specializes the code for one shape, so every size must be a number. Choose the longest sequence you need (`shape=(20, 8)`) and pad shorter sequences (with zeros, or with token id 0 before an `Embedding`) and truncate longer ones.",
  },
  embedding_not_first: {
    severity: "error",
    message: "`{layer}` reads token ids, so it must be the first layer and read the model input; here its input comes from {from}",
    explain: "An `Embedding` looks rows up by integer id. layerc validates ids where they enter the model, before running anything, so an `Embedding` must read a model input directly: put it first in a Sequential model; in a functional model call it on an `Input` (any of several).",
  },
  bidirectional_backward_layer: {
    severity: "error",
    message: "invalid `backward_layer=`: {reason}",
    explain: "`Bidirectional(layer, backward_layer=…)` runs `backward_layer` over the reversed sequence instead of a copy of `layer`. As in Keras 3 it must be a recurrent layer with `go_backwards=True` and the same `return_sequences` and `return_state` as `layer`; layerc also needs both to output one shape.",
  },
  mask_unsupported: {
    severity: "error",
    message: "`{name}` ({layer}) receives the mask made by {from}: {why}",
    explain: "Masks (from `Embedding(mask_zero=True)` or `Masking`) are honoured by the recurrent layers, Bidirectional, GlobalAveragePooling1D, BatchNormalization (moments over unmasked steps) and the merge layers (which combine them as Keras does), and carried through layers that only pass them on (Dense, activations, dropout, normalization, TimeDistributed). A `Softmax` layer cannot take a per-timestep mask: Keras 3 adds the mask to the logits and raises because it does not broadcast against them. Merges of inputs of different shapes (broadcasting) with masks are not implemented. Remove the mask or restructure the model.",
  },
  mask_dropped: {
    severity: "warning",
    message: "`{name}` ({layer}) does not support masking: the mask made by {from} stops here, as in Keras",
    explain: "Keras warns when a layer without mask support receives a mask: it computes on every timestep (padding included) and later layers see no mask. Put the layers that should skip padding (LSTM, GRU, GlobalAveragePooling1D) before it.",
  },

  embedding_input_length: {
    severity: "error",
    message: "`input_length={length}` does not match the input of `{layer}`, which has shape {shape}",
    explain: "`input_length` (a Keras 2 argument, deprecated in Keras 3) must equal the sequence length of the input. Remove it; the input shape already says it.",
  },
  rnn_activation: {
    severity: "error",
    message: "`{name}={activation}` is not supported in a recurrent layer: it must apply element by element",
    explain: "Recurrent layers apply `activation` and `recurrent_activation` to each unit separately; `softmax` and `log_softmax` work on whole rows and are refused.",
  },
  rnn_stateful: {
    severity: "error",
    message: "`stateful=True` is not supported: every batch starts from the zero state",
    explain: "A stateful recurrent layer carries its state from one batch to the next. layerc models keep no state between calls; feed longer sequences instead.",
  },
  rnn_return_state: {
    severity: "error",
    message: "this layer returns several tensors (`return_state=True`, or Bidirectional's `merge_mode=None`), which needs a functional model: a Sequential layer has one output",
    explain: "`return_state` makes a recurrent layer return its output and final states; only a functional model can bind several outputs (`seq, h, c = LSTM(8, return_sequences=True, return_state=True)(x)`). In a Sequential model leave it False.",
  },

  layer_not_recurrent: {
    severity: "error",
    message: "`{arg}` must be a recurrent layer (SimpleRNN, LSTM or GRU), got `{name}`",
    explain: "`Bidirectional` runs a recurrent layer over the sequence in both directions; other layers have no direction.",
  },
  bidirectional_go_backwards: {
    severity: "error",
    message: "the `{name}` inside `Bidirectional` must read forwards: `Bidirectional` adds the backward copy itself",
    explain: "`Bidirectional` runs the given layer as it is and a copy with `go_backwards=True`; Keras refuses a given layer that already goes backwards, since both copies would then read the same way.",
  },
  layer_not_wrappable: {
    severity: "error",
    message: "`{name}` cannot be wrapped: {reason}",
    explain: "A wrapper (`TimeDistributed`) runs the wrapped layer on parts of its input; a layer that must read the model input itself cannot be wrapped.",
  },
  permute_dims: {
    severity: "error",
    message: "`{layer}` dims {dims} must be a permutation of {expected} for an input of rank {rank}",
    explain: "`Permute` numbers the axes of one sample from 1 (the batch axis 0 never moves); `dims` lists each of them exactly once.",
  },
  // ---- compile(...) ---------------------------------------------------------
  compile_duplicate: {
    severity: "error",
    message: "`compile(...)` is given more than once in model `{model}`",
    explain: "A model has at most one `compile(...)` statement.",
  },
  compile_not_last: {
    severity: "error",
    message: "`compile(...)` must be the last statement of the model",
    explain: "Layers after `compile(...)` would be ambiguous; move the compile call to the end.",
  },
  loss_unknown: {
    severity: "error",
    message: "unknown loss `{name}`",
    explain: "See the loss list in docs/language.md.",
  },
  optimizer_unknown: {
    severity: "error",
    message: "unknown optimizer `{name}`",
    explain: "See the optimizer list in docs/language.md.",
  },
  metric_unknown: {
    severity: "error",
    message: "unknown metric `{name}`",
    explain: "See the metric list in docs/language.md.",
  },
  keras_unsupported: {
    severity: "error",
    message: "layerc does not support the Keras {what} `{name}`; supported: {supported}",
    explain: "The name is part of Keras 3, but layerc does not implement it (yet). The message lists what layerc supports instead; nothing is substituted silently.",
  },

  loss_activation_mismatch: {
    severity: "warning",
    message: "loss `{loss}` after a `{activation}` output {problem}",
    explain: "Keras would train this pairing silently but badly. Change the output activation or the loss, or silence the warning by its code.",
  },
  // ---- functional graphs ------------------------------------------------------
  model_style_mixed: {
    severity: "error",
    message: "model `{model}` is written in the functional style (line {line} assigns or calls a tensor), so `{kind}(...)` here needs a name and a tensor: `h = {kind}(...)(x)`",
    explain: "A model body is either a Sequential stack (one layer call per line) or a functional graph (`y = Layer(...)(x)`), never both. Give every layer line a name and the tensor it is called on, or drop the assignments.",
  },
  tensor_undefined: {
    severity: "error",
    message: "`{name}` is not a tensor defined above{reason}",
    explain: "A layer is called on tensors assigned earlier in the model (`x = Input(...)`, `h = Dense(8)(x)`). Names are bound in statement order, as in Python.",
  },
  tensor_unused: {
    severity: "warning",
    message: "`{name}` is assigned but never used",
    explain: "The tensor or layer bound to this name is never used afterwards, so its computation is not part of the model (Keras builds the model from its outputs back). Use it, list it in `outputs=`, or remove the line.",
  },
  tensor_not_callable: {
    severity: "error",
    message: "`{name}` is a tensor, not a layer, and cannot be called",
    explain: "Only layers are called on tensors: `h = Dense(8)(x)` or `shared = Dense(8)` then `h = shared(x)`. A layer call returns a tensor.",
  },
  layer_outputs_unpack: {
    severity: "error",
    message: "this `{layer}` call returns {returns}, but {binds}{fix}",
    explain: "A layer call binds one name per output. A recurrent layer with `return_state=True` returns its output and then its final states (LSTM: h and c; SimpleRNN and GRU: h; Bidirectional: the forward states, then the backward ones), unpacked as in Python: `seq, h, c = LSTM(8, return_sequences=True, return_state=True)(x)`.",
  },
  layer_call_args: {
    severity: "error",
    message: "invalid layer call: {reason}",
    explain: "A layer is called on one tensor, `Dense(8)(x)`, and a merge layer on a list of tensors, `Add()([a, b])`.",
  },
  layer_shared_shape: {
    severity: "error",
    message: "shared layer `{name}` was built on {first} (weights {weights}) and cannot be called on {shape}",
    explain: "A layer bound to a name and called several times shares one set of weights, created by its first call; every later call must fit those weights.",
  },
  merge_arity: {
    severity: "error",
    message: "`{layer}` takes {expected} inputs, got {count}",
    explain: "`Subtract` and `Dot` take exactly two tensors; the other merge layers take one or more.",
  },
  merge_shape_mismatch: {
    severity: "error",
    message: "`{layer}` cannot merge shapes {a} and {b}",
    explain: "Element-wise merge layers follow Keras 3's broadcasting: shapes are aligned from the last axis and each pair of sizes must be equal or one of them 1. The notes show where each input comes from.",
  },
  concat_shape_mismatch: {
    severity: "error",
    message: "`Concatenate(axis={axis})` needs equal sizes on every other axis, got {a} and {b}",
    explain: "Concatenate joins tensors along one axis; their ranks and their sizes on every other axis must match.",
  },
  merge_axis_invalid: {
    severity: "error",
    message: "`{layer}`: axis {axis} is not an axis of the samples {shape} (axis 0 is the batch)",
    explain: "Axes count the batch as axis 0 and may be negative (from the end); the batch axis cannot be merged along.",
  },
  dot_shape_mismatch: {
    severity: "error",
    message: "`Dot` contracts axis {axisA} of {a} (size {da}) with axis {axisB} of {b} (size {db}); the sizes must match",
    explain: "Dot multiplies along one axis of each input and sums; those two axes must have the same size.",
  },
  model_call_duplicate: {
    severity: "error",
    message: "a model has one `Model(inputs=..., outputs=...)`",
    explain: "`Model(...)` names the model's inputs and outputs once.",
  },
  model_io_invalid: {
    severity: "error",
    message: "`{name}` {reason}",
    explain: "`Model(inputs=..., outputs=...)` lists tensor names: the `Input(...)` tensors as inputs, and any tensors as outputs.",
  },
  graph_disconnected: {
    severity: "error",
    message: "graph disconnected: this output depends on input `{input}`, which is not in `inputs=`",
    explain: "Every input an output is computed from must be listed in `Model(inputs=[...])`, as Keras requires.",
  },
  input_unreachable: {
    severity: "warning",
    message: "input `{input}` reaches no output",
    explain: "No output is computed from this input; the model still takes it (in `inputs=` order) but ignores it.",
  },
  dict_key_invalid: {
    severity: "error",
    message: "a dict key here is an output name, written as a string; got {got}",
    explain: "`{'out': 'mse'}` means `dict(out='mse')`: its keys are names, written as strings.",
  },
  dict_key_duplicate: {
    severity: "error",
    message: "key {key} is given more than once",
    explain: "Each key of a dict literal may appear once; Python would keep only the last value, which hides a mistake.",
  },
  loss_count: {
    severity: "error",
    message: "`{arg}` has {count} entries but the model has {outputs} outputs",
    explain: "With several outputs, `loss=` and `loss_weights=` are either one value for every output, a list with one entry per output (in `outputs=` order), or a dict keyed by output layer name.",
  },
  // ---- limits ---------------------------------------------------------------
  limit_params: {
    severity: "error",
    message: "model `{model}` has {count} parameters, above the limit of {limit}",
    explain: "Checked before any allocation. Raise `limits.maxParams` in the options if intended.",
  },
  limit_tensor: {
    severity: "error",
    message: "`{layer}` produces a tensor of {count} values per sample, above the limit of {limit}",
    explain: "Checked before any allocation. Raise `limits.maxTensorSize` in the options if intended.",
  },
  limit_layers: {
    severity: "error",
    message: "model `{model}` has {count} layers, above the limit of {limit}",
    explain: "Checked before any layer is analysed. Raise `limits.maxLayers` in the options if intended.",
  },
  limit_file_layers: {
    severity: "error",
    message: "this file has {count} layers in {models} models, above the limit of {limit} per file",
    explain:
      "The layers of all the file's models together count against `limits.maxLayers` too (every phase's cost grows with them, and a 1 MiB file holds 20,000 one-layer models). Checked before anything is parsed. Split the models over several files, or raise `limits.maxLayers` in the options.",
  },
  limit_file_code_size: {
    severity: "error",
    message: "generated code for this file would be {count} statements in {models} models, above the budget of {limit}: use unroll=loops (or auto), split the models over several files, or raise limits.maxStatements",
    explain:
      "The statement budget holds for the whole generated module as well as for each model: compiling costs about 20 µs per statement. Use `unroll=loops` (or `auto`), split the models over several files, or raise `limits.maxStatements`.",
  },
  limit_code_size: {
    severity: "error",
    message: "generated code for model `{model}` would be {count} statements, above the budget of {limit}: use unroll=loops (or auto), or raise limits.maxStatements",
    explain: "Use `unroll=loops` (or `auto`), or raise `limits.maxStatements`.",
  },

  // ---- embedded weights ---------------------------------------------------
  weights_mismatch: {
    severity: "error",
    message: "the weights to embed do not fit model `{model}`: {reason}",
    explain:
      "`layerc build --embed-weights FILE` (the `embedWeights` compile option) bakes a `.weights.bin` into the generated class. The file must be one written for this model: the same tensors, by name and shape, in the same order (as `model.saveWeights()` or `layerc import` write them).",
  },

  // ---- Keras interop (layerc import / export): located by a path in the Keras file ----
  import_format_unknown: {
    severity: "error",
    source: "keras-file",
    message: "{detail}",
    explain: "The bytes are not a .keras archive, an HDF5 file or a TensorFlow.js model.json.",
  },
  import_file_invalid: {
    severity: "error",
    source: "keras-file",
    message: "{detail}",
    explain:
      "The file is truncated or damaged, a part it names is missing (a weight shard, `model.weights.h5`), or a size in a header claims more bytes than the file holds. Nothing is written.",
  },
  import_layer_unsupported: {
    severity: "error",
    source: "keras-file",
    message: "{detail}",
    explain: "The model uses a Keras layer class layerc does not implement; the path names its entry in the config. layerc never substitutes a different layer.",
  },
  import_arg_unsupported: {
    severity: "error",
    source: "keras-file",
    message: "{detail}",
    explain: "A layer (or initializer, regularizer, constraint) sets a Keras argument that layerc does not model to a value other than its default.",
  },
  import_value_unsupported: {
    severity: "error",
    source: "keras-file",
    message: "{detail}",
    explain: "A layer argument has a value layerc does not accept: an unknown activation, initializer, regularizer or constraint, a custom object.",
  },
  import_model_unsupported: {
    severity: "error",
    source: "keras-file",
    message: "{detail}",
    explain:
      "The model's structure has no layerc spec: a subclassed or nested model, a layer called with a mask or on a second output of another layer, several dtypes; or, on export, a spec layerc cannot write.",
  },
  import_compile_unsupported: {
    severity: "error",
    source: "keras-file",
    message: "{detail}",
    explain: "The training configuration uses an optimizer, learning-rate schedule, loss, metric or option layerc does not have.",
  },
  import_weights_mismatch: {
    severity: "error",
    source: "keras-file",
    message: "{detail}",
    explain: "The weights in the file (or the `.weights.bin` given to export) do not fit the layers of the model: missing, extra, or of another shape.",
  },
  import_spec_invalid: {
    severity: "error",
    source: "keras-file",
    message: "{detail}",
    explain:
      "The spec written from the config (or given with `--spec`, or to export) does not check; the message carries the checker's diagnostic and its line.",
  },
} as const satisfies Record<string, CatalogEntry>;

/** A stable diagnostic code: a key of {@link catalog}. */
export type DiagnosticCode = keyof typeof catalog;

// Shared by every compile and exported to users: frozen, so no caller can
// change what another one reports.
for (const entry of Object.values(catalog)) Object.freeze(entry);
Object.freeze(catalog);

export const diagnosticCodes: readonly DiagnosticCode[] = Object.freeze(Object.keys(catalog) as DiagnosticCode[]);
