export function formatTime(iso: string | undefined, lang: string): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (isNaN(d.getTime())) return iso;
  return d.toLocaleString(lang === 'en' ? 'en-GB' : 'zh-CN', { hour12: false });
}

/** A time of day (HH:mm:ss, 24-hour) for chart axes and "updated at" notes. */
export function formatClock(d: Date, lang: string): string {
  return d.toLocaleTimeString(lang === 'en' ? 'en-GB' : 'zh-CN', { hour12: false });
}

const pad2 = (n: number) => String(n).padStart(2, '0');

/** The text DateTimeField shows for an instant, in local time: "YYYY-MM-DD HH:mm" (or "YYYY-MM-DD"). */
export function toDateTimeText(ms: number, mode: 'datetime' | 'date' = 'datetime'): string {
  const d = new Date(ms);
  const date = `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`;
  return mode === 'date' ? date : `${date} ${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
}

/** Parses "YYYY-MM-DD", "YYYY-MM-DD HH:mm" (also with "T" and seconds) as local time; null when it is not a real
 *  date and time. mode 'date' accepts the date alone. */
export function parseDateTimeText(text: string, mode: 'datetime' | 'date' = 'datetime'): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(text.trim());
  if (!m || (mode === 'date' && m[4] !== undefined)) return null;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4] ?? '0', m[5] ?? '0', m[6] ?? '0'].map(Number);
  const out = new Date(y, mo - 1, d, h, mi, s);
  if (out.getFullYear() !== y || out.getMonth() !== mo - 1 || out.getDate() !== d || h > 23 || mi > 59 || s > 59) return null;
  return out;
}

/** DateTimeField text → ISO 8601 UTC without milliseconds, as the API wants; undefined when empty or invalid. */
export function dateTimeTextToIso(text: string): string | undefined {
  const d = text ? parseDateTimeText(text) : null;
  return d ? d.toISOString().replace(/\.\d{3}Z$/, 'Z') : undefined;
}

export function formatDuration(seconds: number, lang: string): string {
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (lang === 'en') return d ? `${d} d ${h} h` : h ? `${h} h ${m} min` : `${m} min ${s} s`;
  return d ? `${d} 天 ${h} 小时` : h ? `${h} 小时 ${m} 分` : `${m} 分 ${s} 秒`;
}

export function downloadText(filename: string, text: string, type = 'text/plain'): void {
  downloadBlob(filename, new Blob([text], { type }));
}

export function downloadBlob(filename: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Milliseconds with a sign and a sensible number of decimals. */
export function formatMs(ms: number | undefined): string {
  if (ms === undefined || ms === null || isNaN(ms)) return '—';
  const a = Math.abs(ms);
  const digits = a >= 100 ? 1 : a >= 1 ? 2 : 3;
  return (ms > 0 ? '+' : '') + ms.toFixed(digits) + ' ms';
}
