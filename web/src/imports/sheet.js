// Reads the first worksheet of an .xlsx in the browser with exceljs (loaded
// only when a user picks such a file), into the header and rows the import
// takes (POST /api/v1/imports/{kind}/rows): every cell as the text a user
// sees, the first row the header, trailing empty rows dropped.  Row numbers
// in the server's report are then the sheet's own (rows[i] is row i + 2).

function text(v) {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) {
    // Dates in a sheet are civil dates; exceljs gives them at midnight UTC.
    return v.toISOString().slice(0, 10);
  }
  if (typeof v === 'object') {
    if (Array.isArray(v.richText)) return v.richText.map((r) => r.text).join('');
    if ('result' in v) return text(v.result);
    if ('text' in v) return text(v.text);
    if ('error' in v) return '';
    return '';
  }
  return String(v).trim();
}

export const MAX_ROWS = 200000;

export async function readSheet(file) {
  const { default: ExcelJS } = await import('exceljs');
  const wb = new ExcelJS.Workbook();
  try {
    await wb.xlsx.load(await file.arrayBuffer());
  } catch {
    throw new Error('无法读取该文件，请确认是 Excel 2007 及以上版本保存的 .xlsx 文件');
  }
  const ws = wb.worksheets.find((w) => w.actualRowCount > 0);
  if (!ws) throw new Error('表格中没有内容');
  if (ws.rowCount > MAX_ROWS + 1) throw new Error(`表格行数超过 ${MAX_ROWS} 行，请分批导入`);
  const all = [];
  for (let r = 1; r <= ws.rowCount; r++) {
    const row = ws.getRow(r);
    const cells = [];
    for (let c = 1; c <= row.cellCount; c++) cells.push(text(row.getCell(c).value));
    all.push(cells);
  }
  while (all.length && all[all.length - 1].every((c) => c === '')) all.pop();
  const header = (all.shift() || []).map((h) => h.trim());
  while (header.length && !header[header.length - 1]) header.pop();
  if (!header.length) throw new Error('第一行应为表头（列名）');
  // Every row as wide as the header; an empty row stays, as [], so that the
  // report's row numbers are the sheet's.
  const rows = all.map((cells) => (cells.every((c) => c === '') ? [] : header.map((_, i) => cells[i] ?? '')));
  return { sheet: ws.name, header, rows };
}
