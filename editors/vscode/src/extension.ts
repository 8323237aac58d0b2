/**
 * The VS Code client: starts `layerc lsp` from the layerc package installed
 * in the workspace (or `layerc.serverPath`), so the editor always runs the
 * same compiler version as the project's build. Everything else — checks,
 * hover, completion, fixes, formatting — is the server's.
 */
import * as vscode from "vscode";
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from "vscode-languageclient/node";
import { findServer } from "./server-path.js";

let client: LanguageClient | undefined;

async function start(context: vscode.ExtensionContext): Promise<void> {
  const folders = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
  const configured = vscode.workspace.getConfiguration("layerc").get<string>("serverPath", "");
  const bin = findServer(folders, configured);
  if (!bin) {
    void vscode.window.showWarningMessage(
      configured ? `layerc: serverPath ${configured} does not exist.` : "layerc is not installed in this workspace: run `npm install --save-dev layerc` for diagnostics, hover and completion in .nn files.",
    );
    return;
  }
  const run = { module: bin, args: ["lsp"], transport: TransportKind.stdio };
  const serverOptions: ServerOptions = { run, debug: run };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ language: "nn" }],
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher("**/*.nn") },
  };
  client = new LanguageClient("layerc", "layerc", serverOptions, clientOptions);
  context.subscriptions.push(client);
  await client.start();
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  context.subscriptions.push(
    vscode.commands.registerCommand("layerc.restartServer", async () => {
      await client?.stop();
      client = undefined;
      await start(context);
    }),
  );
  await start(context);
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}
