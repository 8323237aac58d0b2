/**
 * Builds the VS Code extension (editors/vscode) into a `.vsix`: bundles the
 * client in memory with esbuild (vscode-languageclient inside, `vscode` external),
 * then writes the OPC package — `extension.vsixmanifest`,
 * `[Content_Types].xml` and the extension's files under `extension/` —
 * with the compiler's own zip writer (src/interop/zip.ts), entries deflated.
 *
 *   npm run vscode:package        → editors/vscode/dist/layerc-vscode-<version>.vsix
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";
import { writeZip } from "../src/interop/zip.js";

export const EXTENSION_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "editors", "vscode");

/** The extension's files, relative to its folder, as they go into `extension/`. */
const FILES = ["package.json", "README.md", "language-configuration.json", "syntaxes/nn.tmLanguage.json"];

const xmlEscape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

interface Manifest {
  name: string;
  displayName: string;
  description: string;
  version: string;
  publisher: string;
  engines: { vscode: string };
  categories: string[];
}

function vsixManifest(m: Manifest): string {
  return `<?xml version="1.0" encoding="utf-8"?>
<PackageManifest Version="2.0.0" xmlns="http://schemas.microsoft.com/developer/vsx-schema/2011" xmlns:d="http://schemas.microsoft.com/developer/vsx-schema-design/2011">
  <Metadata>
    <Identity Language="en-US" Id="${xmlEscape(m.name)}" Version="${xmlEscape(m.version)}" Publisher="${xmlEscape(m.publisher)}" />
    <DisplayName>${xmlEscape(m.displayName)}</DisplayName>
    <Description xml:space="preserve">${xmlEscape(m.description)}</Description>
    <Tags>nn,keras,layerc,__ext_nn</Tags>
    <Categories>${xmlEscape(m.categories.join(","))}</Categories>
    <GalleryFlags>Public</GalleryFlags>
    <Properties>
      <Property Id="Microsoft.VisualStudio.Code.Engine" Value="${xmlEscape(m.engines.vscode)}" />
      <Property Id="Microsoft.VisualStudio.Code.ExtensionDependencies" Value="" />
      <Property Id="Microsoft.VisualStudio.Code.ExtensionPack" Value="" />
      <Property Id="Microsoft.VisualStudio.Code.ExtensionKind" Value="workspace" />
      <Property Id="Microsoft.VisualStudio.Code.LocalizedLanguages" Value="" />
    </Properties>
  </Metadata>
  <Installation>
    <InstallationTarget Id="Microsoft.VisualStudio.Code" />
  </Installation>
  <Dependencies />
  <Assets>
    <Asset Type="Microsoft.VisualStudio.Code.Manifest" Path="extension/package.json" Addressable="true" />
    <Asset Type="Microsoft.VisualStudio.Services.Content.Details" Path="extension/README.md" Addressable="true" />
  </Assets>
</PackageManifest>
`;
}

const CONTENT_TYPES = `<?xml version="1.0" encoding="utf-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension=".json" ContentType="application/json" /><Default Extension=".js" ContentType="application/javascript" /><Default Extension=".md" ContentType="text/markdown" /><Default Extension=".vsixmanifest" ContentType="text/xml" /></Types>
`;

/** Bundles the client and writes the `.vsix` into `outDir`; returns its path. */
export async function packageExtension(outDir = join(EXTENSION_DIR, "dist")): Promise<string> {
  const bundled = await build({
    entryPoints: [join(EXTENSION_DIR, "src", "extension.ts")],
    outfile: "extension.js",
    write: false,
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node18",
    external: ["vscode"],
    minify: true,
    legalComments: "inline",
    logLevel: "warning",
  });
  const manifest = JSON.parse(readFileSync(join(EXTENSION_DIR, "package.json"), "utf8")) as Manifest;
  const entries: { name: string; data: Uint8Array }[] = [
    { name: "extension.vsixmanifest", data: Buffer.from(vsixManifest(manifest)) },
    { name: "[Content_Types].xml", data: Buffer.from(CONTENT_TYPES) },
    ...FILES.map((f) => ({ name: `extension/${f}`, data: readFileSync(join(EXTENSION_DIR, f)) })),
    { name: "extension/dist/extension.js", data: bundled.outputFiles[0]!.contents },
  ];
  mkdirSync(outDir, { recursive: true });
  const out = join(outDir, `${manifest.name}-${manifest.version}.vsix`);
  writeFileSync(out, writeZip(entries, { deflate: true }));
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  packageExtension().then(
    (out) => console.log(`wrote ${out}`),
    (e) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
