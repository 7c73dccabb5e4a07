// Gems of a model file, from the server's document symbols (one symbol per gem).
import * as vscode from "vscode";
import { gemAt, GemRange } from "./graphData";

export interface GemSymbol extends GemRange {
  selection: vscode.Range;
  full: vscode.Range;
}

export async function gemRanges(uri: vscode.Uri): Promise<GemSymbol[]> {
  let symbols: (vscode.DocumentSymbol | vscode.SymbolInformation)[] | undefined;
  try {
    symbols = await vscode.commands.executeCommand<(vscode.DocumentSymbol | vscode.SymbolInformation)[]>(
      "vscode.executeDocumentSymbolProvider",
      uri,
    );
  } catch {
    return [];
  }
  return (symbols ?? []).map((s) => {
    const full = "range" in s ? s.range : s.location.range;
    const selection = "selectionRange" in s ? s.selectionRange : full;
    return {
      name: s.name,
      full,
      selection,
      range: {
        start: { line: full.start.line, character: full.start.character },
        end: { line: full.end.line, character: full.end.character },
      },
    };
  });
}

/** The text of a gem (null: the final one), or undefined when the model has no such gem now. */
export function gemText(doc: vscode.TextDocument, gems: GemSymbol[], gem: string | null): string | undefined {
  // The final SELECT is the last gem; a CTE may bear the same name (the model's), so look among the others.
  const g = gem === null ? gems[gems.length - 1] : gems.slice(0, -1).find((s) => s.name.toLowerCase() === gem.toLowerCase());
  return g ? doc.getText(g.full) : gem === null ? doc.getText() : undefined;
}

export function gemAtPosition(gems: GemSymbol[], pos: vscode.Position): GemSymbol | undefined {
  return gemAt(gems, { line: pos.line, character: pos.character }) as GemSymbol | undefined;
}
