/**
 * What import and export report. These problems sit in a Keras file, not in
 * a spec, so instead of a source span they carry the JSON path of the
 * config entry at fault (`config.layers[2].config.kernel_regularizer`);
 * messages come from this small catalog, like the compiler's.
 */
export type InteropCode =
  | "import_format_unknown"
  | "import_file_invalid"
  | "import_layer_unsupported"
  | "import_arg_unsupported"
  | "import_value_unsupported"
  | "import_model_unsupported"
  | "import_compile_unsupported"
  | "import_weights_mismatch"
  | "import_spec_invalid";

export const interopCatalog: Readonly<
  Record<
    InteropCode,
    { readonly severity: "error" | "warning"; readonly explain: string }
  >
> = {
  import_format_unknown: {
    severity: "error",
    explain:
      "The bytes are not a .keras archive, an HDF5 file or a TensorFlow.js model.json.",
  },
  import_file_invalid: {
    severity: "error",
    explain: "The file is truncated or damaged, or a part it names is missing.",
  },
  import_layer_unsupported: {
    severity: "error",
    explain: "The model uses a Keras layer class layerc does not implement.",
  },
  import_arg_unsupported: {
    severity: "error",
    explain:
      "A layer sets a Keras argument that layerc does not model to a value other than its default.",
  },
  import_value_unsupported: {
    severity: "error",
    explain:
      "A layer argument has a value layerc does not accept (an unknown activation, a custom object, …).",
  },
  import_model_unsupported: {
    severity: "error",
    explain:
      "The model's structure (a subclassed model, nested models, several dtypes) has no layerc spec.",
  },
  import_compile_unsupported: {
    severity: "error",
    explain:
      "The training configuration uses an optimizer, loss, metric or option layerc does not have.",
  },
  import_weights_mismatch: {
    severity: "error",
    explain:
      "The weights in the file do not fit the layers of the config (missing, extra, or of another shape).",
  },
  import_spec_invalid: {
    severity: "error",
    explain:
      "The spec written from the config does not check; the message carries the checker's diagnostic.",
  },
};

/** One import or export problem; `path` locates it in the Keras config (or the file). */
export interface InteropDiagnostic {
  readonly code: InteropCode;
  readonly severity: "error" | "warning";
  readonly message: string;
  readonly path?: string;
}

export function interopDiagnostic(
  code: InteropCode,
  message: string,
  path?: string,
): InteropDiagnostic {
  return {
    code,
    severity: interopCatalog[code].severity,
    message,
    ...(path !== undefined ? { path } : {}),
  };
}

/** Thrown inside import for a file that cannot be read at all; caught at the API and turned into a diagnostic. */
export class InteropFailure extends Error {
  constructor(readonly diagnostic: InteropDiagnostic) {
    super(diagnostic.message);
  }
}

export function failImport(
  code: InteropCode,
  message: string,
  path?: string,
): never {
  throw new InteropFailure(interopDiagnostic(code, message, path));
}
