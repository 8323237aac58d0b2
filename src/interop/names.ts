/**
 * Variable names for a graph written as text (the `.nn` functional syntax
 * on import, the Keras Python script on export): Keras layer names made
 * into identifiers that are valid in both languages and distinct.
 */

/** Words a variable must not be: the spec's own names and Python's keywords and the script's imports. */
const RESERVED = new Set([
  "model", "Model", "Input", "compile", "dict", "True", "False", "None", "true", "false", "null",
  "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del", "elif", "else",
  "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal", "not",
  "or", "pass", "raise", "return", "try", "while", "with", "yield", "keras", "pathlib", "build_model",
]);

/** One identifier per wanted name, in order: invalid characters become `_`, clashes get `_2`, `_3`, … */
export function uniqueIdentifiers(wanted: readonly string[]): string[] {
  const used = new Set<string>();
  return wanted.map((w) => {
    let base = w.replace(/[^A-Za-z0-9_]/g, "_");
    if (!/^[A-Za-z_]/.test(base)) base = `t_${base}`;
    if (RESERVED.has(base)) base = `${base}_`;
    let name = base;
    for (let n = 2; used.has(name); n++) name = `${base}_${n}`;
    used.add(name);
    return name;
  });
}
