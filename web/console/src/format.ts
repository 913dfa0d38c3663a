export function formatTime(iso: string | undefined, lang: string): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (isNaN(d.getTime())) return iso;
  return d.toLocaleString(lang === 'en' ? 'en-GB' : 'zh-CN', { hour12: false });
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
