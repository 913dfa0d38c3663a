import { useMemo } from 'react';
import type { AuditEntry } from '../api/types';
import { useI18n } from '../i18n/I18nContext';
import { EChart } from './EChart';

/** Counts by action over a sample of entries, split by result. */
export function AuditActionChart({ entries }: { entries: AuditEntry[] }) {
  const { t } = useI18n();
  const option = useMemo(() => {
    const counts = new Map<string, { success: number; other: number }>();
    for (const e of entries) {
      const c = counts.get(e.action) ?? { success: 0, other: 0 };
      if (e.result === 'success') c.success++;
      else c.other++;
      counts.set(e.action, c);
    }
    const rows = [...counts.entries()].sort((a, b) => b[1].success + b[1].other - (a[1].success + a[1].other)).slice(0, 12).reverse();
    return {
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      grid: { left: 8, right: 16, top: 28, bottom: 4, containLabel: true },
      xAxis: { type: 'value', minInterval: 1 },
      yAxis: { type: 'category', data: rows.map((r) => r[0]), axisLabel: { fontSize: 11 } },
      series: [
        { name: t('audit.success'), type: 'bar', stack: 'a', data: rows.map((r) => r[1].success), itemStyle: { color: '#14a38b' } },
        { name: `${t('audit.failure')} / ${t('audit.denied')}`, type: 'bar', stack: 'a', data: rows.map((r) => r[1].other), itemStyle: { color: '#d9534f' } },
      ],
    };
  }, [entries, t]);
  return (
    <div className="card">
      <h2>{t('audit.byAction', { n: entries.length })}</h2>
      <EChart option={option} label={t('audit.byAction', { n: entries.length })} height={Math.max(180, 26 * Math.min(12, new Set(entries.map((e) => e.action)).size) + 50)} />
    </div>
  );
}
