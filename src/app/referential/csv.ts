// CSV as accounting software exports it: `;` separated (`,` or tab accepted when the header has no
// `;`), UTF-8 (with or without BOM) or Windows-1252, quoted fields with "" escapes, CRLF or LF.
// Each record keeps the line number where it starts, so a rejection names the line a person sees.

export type CsvRecord = { line: number; fields: Record<string, string> };

/** UTF-8 when the bytes are valid UTF-8, else Windows-1252 (Excel's "CSV (séparateur : point-virgule)"). */
export function decodeText(bytes: Uint8Array): { text: string; encoding: 'utf-8' | 'windows-1252' } {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return { text: text.replace(/^\uFEFF/, ''), encoding: 'utf-8' };
  } catch {
    return { text: new TextDecoder('windows-1252').decode(bytes), encoding: 'windows-1252' };
  }
}

/** Header names compared without case, accents, spaces or punctuation: "Libellé" = "libelle", "SIRET tiers" = "siret_tiers". */
export function normalizeHeader(name: string): string {
  return name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .trim()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '');
}

function parseRows(text: string, separator: string): { line: number; cells: string[] }[] {
  const rows: { line: number; cells: string[] }[] = [];
  let line = 1;
  let index = 0;
  while (index < text.length) {
    const startLine = line;
    const cells: string[] = [];
    let cell = '';
    let quoted = false;
    let atCellStart = true;
    for (; index < text.length; index += 1) {
      const char = text[index]!;
      if (quoted) {
        if (char === '"') {
          if (text[index + 1] === '"') {
            cell += '"';
            index += 1;
          } else quoted = false;
        } else {
          if (char === '\n') line += 1;
          cell += char;
        }
        continue;
      }
      if (char === '"' && atCellStart) {
        quoted = true;
        atCellStart = false;
      } else if (char === separator) {
        cells.push(cell);
        cell = '';
        atCellStart = true;
      } else if (char === '\n' || char === '\r') {
        if (char === '\r' && text[index + 1] === '\n') index += 1;
        index += 1;
        line += 1;
        break;
      } else {
        cell += char;
        atCellStart = false;
      }
    }
    cells.push(cell);
    if (cells.some((value) => value.trim() !== '')) rows.push({ line: startLine, cells });
  }
  return rows;
}

export function parseCsv(input: Uint8Array | string): { header: string[]; records: CsvRecord[]; encoding: string } {
  const { text, encoding } = typeof input === 'string' ? { text: input.replace(/^\uFEFF/, ''), encoding: 'utf-8' } : decodeText(input);
  const firstLine = text.slice(0, text.search(/\r?\n|$/));
  const separator = firstLine.includes(';') ? ';' : firstLine.includes('\t') ? '\t' : ',';
  const rows = parseRows(text, separator);
  const head = rows.shift();
  if (!head) return { header: [], records: [], encoding };
  const header = head.cells.map(normalizeHeader);
  const records = rows.map(({ line, cells }) => {
    const fields: Record<string, string> = {};
    header.forEach((name, position) => {
      if (name !== '') fields[name] = (cells[position] ?? '').trim();
    });
    return { line, fields };
  });
  return { header, records, encoding };
}
