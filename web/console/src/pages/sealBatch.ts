// Batch seal making: a CSV sheet (UTF-8 or GB18030, as spreadsheet programs save it), or a ZIP holding one
// .csv sheet and the PNG pictures its `picture` column names. Parsed here in the browser; each row then becomes
// one POST /api/v1/seals, so every seal is checked, signed and audited exactly as when made one at a time.
import type { SealKind } from '../api/operations';
import type { DocMdp, NewSeal, SealType } from '../api/seals';

export interface BatchRow {
  line: number;
  seal: NewSeal | null;
  /** The picture file of a ZIP row, for the preview. */
  picture?: Blob;
  /** Why the row cannot be made (shown before anything is sent): a code of BatchProblem and the offending value. */
  problem?: { code: BatchProblem; detail: string };
}

export type BatchProblem = 'name' | 'type' | 'kind' | 'docmdp' | 'keys' | 'size' | 'date' | 'picture'
  | 'zip' | 'sheet' | 'header' | 'tooMany' | 'sheets';

/** A file that cannot be read as a batch at all. */
export class BatchError extends Error {
  constructor(readonly code: BatchProblem, readonly detail = '') {
    super(code + (detail ? ': ' + detail : ''));
  }
}

/** Column names, English or Chinese, as the first line of the sheet gives them. */
const COLUMNS: Record<string, string> = {
  name: 'name', 印章名称: 'name', 名称: 'name',
  type: 'type', 印章类型: 'type', 类型: 'type',
  owner: 'owner', 所属单位: 'owner', 持有人: 'owner',
  kind: 'kind', 印模样式: 'kind', 样式: 'kind',
  text: 'text', 印章文字: 'text', 横排文字: 'text',
  keys: 'keys', 签名密钥: 'keys', 密钥: 'keys',
  width_mm: 'width_mm', 宽度: 'width_mm',
  height_mm: 'height_mm', 高度: 'height_mm',
  valid_end: 'valid_end', 有效期至: 'valid_end',
  docmdp: 'docmdp',
  picture: 'picture', 印模图片: 'picture', 图片: 'picture',
};
const KINDS: SealKind[] = ['round', 'oval', 'square', 'name', 'name-rect'];
const SIZES: Record<SealKind, [number, number]> = { round: [42, 42], oval: [45, 30], square: [20, 20], name: [18, 18], 'name-rect': [22, 12] };
const DOCMDPS: DocMdp[] = ['none', 'no-changes', 'form-fill', 'annotations'];
export const BATCH_MAX = 200;

/** RFC 4180 CSV: quoted fields with "" escapes and line breaks; blank lines skipped. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const s = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quoted) {
      if (c === '"' && s[i + 1] === '"') { field += '"'; i++; }
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') { row.push(field); field = ''; }
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && s[i + 1] === '\n') i++;
      row.push(field);
      field = '';
      if (row.some((f) => f.trim() !== '')) rows.push(row);
      row = [];
    } else field += c;
  }
  row.push(field);
  if (row.some((f) => f.trim() !== '')) rows.push(row);
  return rows;
}

/** Text of a sheet: UTF-8 when it is valid UTF-8, else GB18030 (what Excel saves in a Chinese locale). */
export function decodeSheet(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder('gb18030').decode(bytes);
  }
}

/** The files of a ZIP archive (stored or deflated entries; directories skipped). */
export async function readZip(data: Uint8Array): Promise<Map<string, Uint8Array>> {
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let eocd = -1;
  for (let i = data.length - 22; i >= Math.max(0, data.length - 22 - 0xffff); i--) {
    if (v.getUint32(i, true) === 0x06054b50) { eocd = i; break; }
  }
  if (eocd < 0) throw new BatchError('zip');
  const count = v.getUint16(eocd + 10, true);
  let p = v.getUint32(eocd + 16, true);
  const files = new Map<string, Uint8Array>();
  const utf8 = new TextDecoder();
  for (let n = 0; n < count; n++) {
    if (p + 46 > data.length || v.getUint32(p, true) !== 0x02014b50) throw new BatchError('zip', 'central directory');
    const method = v.getUint16(p + 10, true);
    const csize = v.getUint32(p + 20, true);
    const nameLen = v.getUint16(p + 28, true);
    const extraLen = v.getUint16(p + 30, true);
    const commentLen = v.getUint16(p + 32, true);
    const local = v.getUint32(p + 42, true);
    const name = utf8.decode(data.subarray(p + 46, p + 46 + nameLen));
    p += 46 + nameLen + extraLen + commentLen;
    if (name.endsWith('/')) continue;
    if (local + 30 > data.length || v.getUint32(local, true) !== 0x04034b50) throw new BatchError('zip', name);
    const start = local + 30 + v.getUint16(local + 26, true) + v.getUint16(local + 28, true);
    if (start + csize > data.length) throw new BatchError('zip', name);
    const raw = data.subarray(start, start + csize);
    if (method === 0) files.set(name, raw);
    else if (method === 8) {
      const stream = new Blob([raw as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('deflate-raw' as CompressionFormat));
      files.set(name, new Uint8Array(await new Response(stream).arrayBuffer()));
    } else throw new BatchError('zip', `${name} (method ${method})`);
  }
  return files;
}

const baseName = (path: string) => path.split('/').pop() ?? path;

/** Rows of a sheet as seals to make. `defaultKeys` binds rows without a keys column; `validEnd` is the default end. */
export function rowsFromSheet(table: string[][], defaultKeys: string[], validEnd: string,
  pictures: Map<string, Uint8Array> = new Map()): BatchRow[] {
  if (table.length < 2) throw new BatchError('sheet');
  const header = table[0].map((h) => COLUMNS[h.trim()] ?? COLUMNS[h.trim().toLowerCase()] ?? '');
  if (!header.includes('name')) throw new BatchError('header');
  if (table.length - 1 > BATCH_MAX) throw new BatchError('tooMany', String(BATCH_MAX));
  const byBase = new Map<string, Uint8Array>();
  for (const [k, b] of pictures) byBase.set(baseName(k), b);
  return table.slice(1).map((cells, i) => {
    const get = (col: string) => {
      const at = header.indexOf(col);
      return at >= 0 ? (cells[at] ?? '').trim() : '';
    };
    const row: BatchRow = { line: i + 2, seal: null };
    const name = get('name');
    const type = (get('type') || 'organisation') as SealType;
    const kind = (get('kind') || (type === 'personal' ? 'name' : 'round')) as SealKind;
    const docmdp = (get('docmdp') || 'none') as DocMdp;
    const keys = get('keys') ? get('keys').split(/[;；|\s]+/).filter(Boolean) : defaultKeys;
    if (!name) return { ...row, problem: { code: 'name', detail: '' } };
    if (type !== 'organisation' && type !== 'personal') return { ...row, problem: { code: 'type', detail: type } };
    if (!KINDS.includes(kind)) return { ...row, problem: { code: 'kind', detail: kind } };
    if (!DOCMDPS.includes(docmdp)) return { ...row, problem: { code: 'docmdp', detail: docmdp } };
    if (!keys.length) return { ...row, problem: { code: 'keys', detail: '' } };
    const [dw, dh] = SIZES[kind];
    const width = Number(get('width_mm') || dw);
    const height = Number(get('height_mm') || dh);
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 10 || height < 5 || width > 80 || height > 80) {
      return { ...row, problem: { code: 'size', detail: `${get('width_mm')} × ${get('height_mm')}` } };
    }
    const end = get('valid_end') || validEnd;
    if (!/^\d{4}-\d{2}-\d{2}$/.test(end)) return { ...row, problem: { code: 'date', detail: end } };
    const seal: NewSeal = {
      name, type, owner: get('owner') || undefined, keys, docmdp, activate: true, width_mm: width, height_mm: height,
      valid_start: new Date().toISOString(), valid_end: new Date(end + 'T23:59:59Z').toISOString(),
    };
    const pic = get('picture');
    if (pic) {
      const bytes = byBase.get(baseName(pic));
      if (!bytes) return { ...row, problem: { code: 'picture', detail: pic } };
      row.picture = new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'image/png' });
    } else {
      const arc = kind === 'round' || kind === 'oval';
      seal.template = { kind, name: get('owner') || name, text: arc ? get('text') || undefined : undefined, dpi: 300 };
    }
    return { ...row, seal };
  });
}

/** Reads a chosen .csv or .zip file into batch rows. */
export async function readBatchFile(file: File, defaultKeys: string[], validEnd: string): Promise<BatchRow[]> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  if (/\.zip$/i.test(file.name) || (bytes[0] === 0x50 && bytes[1] === 0x4b)) {
    const files = await readZip(bytes);
    const sheets = [...files.keys()].filter((k) => /\.csv$/i.test(k) && !k.startsWith('__MACOSX/'));
    if (sheets.length !== 1) throw new BatchError('sheets', String(sheets.length));
    const pictures = new Map([...files].filter(([k]) => /\.png$/i.test(k)));
    return rowsFromSheet(parseCsv(decodeSheet(files.get(sheets[0])!)), defaultKeys, validEnd, pictures);
  }
  return rowsFromSheet(parseCsv(decodeSheet(bytes)), defaultKeys, validEnd);
}
