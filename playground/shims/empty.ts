/** Node modules the compiler's browser path never calls (ts-morph's real file system, globbing). */
const unavailable = (): never => {
  throw new Error("not available in the browser");
};
export const promises = {};
export const glob = unavailable;
export const globSync = unavailable;
export const tmpdir = () => "/tmp";
export const homedir = () => "/";
export const EOL = "\n";
export const platform = () => "browser";
export default { promises, glob, globSync, tmpdir, homedir, EOL, platform };
