import { useCallback, useEffect, useMemo, useState } from 'react';
import { api } from '../api/client';
import type { TimeStatus } from '../api/types';
import { EChart } from '../components/EChart';
import { ErrorNotice } from '../components/ErrorNotice';
import { PageHeader } from '../components/PageHeader';
import { StatusBadge } from '../components/StatusBadge';
import { formatMs, formatTime } from '../format';
import { useI18n } from '../i18n/I18nContext';

const POLL_MS = 5000;
const MAX_POINTS = 120;

/** Time sources (NTP/SNTP, chrony): whether trusted time may be issued, offsets, and a live offset chart. */
export function TimePage() {
  const { t, lang } = useI18n();
  const [status, setStatus] = useState<TimeStatus | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [updated, setUpdated] = useState<Date | null>(null);
  // The combined offset as read at each poll (the sources' own history comes from the server).
  const [combined, setCombined] = useState<[string, number][]>([]);

  const load = useCallback(async () => {
    try {
      const s = await api.timeStatus();
      setStatus(s);
      setError(null);
      const now = new Date();
      setUpdated(now);
      if (s.watched && s.offset_ms !== undefined) {
        const v = s.offset_ms;
        setCombined((c) => [...c, [now.toISOString(), v] as [string, number]].slice(-MAX_POINTS));
      }
    } catch (e) {
      setError(e);
    }
  }, []);
  useEffect(() => {
    void load();
    const timer = window.setInterval(() => void load(), POLL_MS);
    return () => window.clearInterval(timer);
  }, [load]);

  const sources = status?.sources ?? [];
  const noSources = status?.watched && sources.length === 0 && !status.chrony;

  const chart = useMemo(
    () => ({
      tooltip: { trigger: 'axis', valueFormatter: (v: number) => formatMs(v) },
      legend: { top: 0, type: 'scroll' },
      grid: { left: 64, right: 24, top: 36, bottom: 32 },
      xAxis: { type: 'time' },
      yAxis: { type: 'value', name: t('time.offsetAxis'), nameTextStyle: { align: 'left' } },
      series: [
        ...sources.map((s) => ({
          name: s.name,
          type: 'line',
          showSymbol: false,
          data: s.history.map(([time, off]) => [time, off]),
        })),
        {
          name: t('time.combined'),
          type: 'line',
          showSymbol: combined.length < 2,
          lineStyle: { type: 'dashed', width: 2 },
          data: combined,
        },
      ],
    }),
    [sources, combined, t],
  );

  const leap = (s: string) => (s === 'Normal' ? 'ok' : s === 'Not synchronised' ? 'bad' : 'warn');

  return (
    <section>
      <PageHeader title={t('time.heading')} intro={t('time.intro')}
        actions={<button type="button" onClick={() => void load()}>{t('common.refresh')}</button>} />
      <ErrorNotice error={error} />
      {status && !status.watched && <div className="notice notice-warn" role="status">{t('time.notWatched')}</div>}
      {status?.watched && (
        <>
          <div className="stat-grid time-stats" data-testid="time-summary">
            <div className="stat-card">
              <div className="stat-label">{t('time.trusted')}</div>
              <div className="stat-value" data-testid="time-usable">
                {status.usable ? <StatusBadge tone="ok">✔ {t('time.usable')}</StatusBadge> : <StatusBadge tone="bad">✖ {t('time.unusable')}</StatusBadge>}
              </div>
              <div className="small time-reason" data-testid="time-reason">{reasonText(status.reason ?? '', t)}</div>
            </div>
            <div className="stat-card">
              <div className="stat-label">{t('time.offset')}</div>
              <div className="stat-value mono">{formatMs(status.offset_ms)}</div>
              <div className="muted small">{t('time.maxOffset', { n: status.max_offset_ms ?? 0 })}</div>
            </div>
            <div className="stat-card">
              <div className="stat-label">{t('time.stratum')}</div>
              <div className="stat-value">{status.stratum ?? '—'}</div>
              <div className="muted small">{status.stratum === 16 ? t('time.stratumLocal') : t('time.stratumHint')}</div>
            </div>
            <div className="stat-card">
              <div className="stat-label">{t('time.polling')}</div>
              <div className="stat-value">{status.poll_interval_s ?? '—'} s</div>
              <div className="muted small">{t('time.holdover', { n: status.holdover_s ?? 0 })}</div>
            </div>
          </div>

          {noSources && (
            <div className="notice notice-info" role="status" data-testid="no-sources">
              <strong>{t('time.noSourcesTitle')}</strong>
              <span className="notice-text">{t('time.noSources')}</span>
            </div>
          )}

          <div className="card table-card">
            <div className="table-toolbar">
              <h2 className="table-title">{t('time.sources')}</h2>
              {updated && <span className="muted small">{t('time.updated', { time: updated.toLocaleTimeString(lang === 'en' ? 'en-GB' : 'zh-CN', { hour12: false }) })}</span>}
            </div>
            <div className="scroll-table">
              <table className="data-table" aria-label={t('time.sources')}>
                <thead>
                  <tr>
                    <th scope="col">{t('time.source')}</th>
                    <th scope="col">{t('time.reachable')}</th>
                    <th scope="col" className="num">{t('time.offset')}</th>
                    <th scope="col" className="num">{t('time.delay')}</th>
                    <th scope="col" className="num">{t('time.stratum')}</th>
                    <th scope="col">{t('time.refId')}</th>
                    <th scope="col">{t('time.lastSync')}</th>
                    <th scope="col">{t('time.lastError')}</th>
                  </tr>
                </thead>
                <tbody>
                  {sources.length === 0 && <tr><td colSpan={8} className="empty">{t('time.noSourcesRow')}</td></tr>}
                  {sources.map((s) => (
                    <tr key={s.name} data-source={s.name}>
                      <td><strong className="mono">{s.name}</strong><div className="muted small">{t('time.polls', { n: s.polls, f: s.failures })}</div></td>
                      <td>{s.reachable ? <StatusBadge tone="ok">{t('time.up')}</StatusBadge> : <StatusBadge tone="bad">{t('time.down')}</StatusBadge>}</td>
                      <td className="num mono">{s.last_sync ? formatMs(s.offset_ms) : '—'}</td>
                      <td className="num mono">{s.last_sync ? formatMs(s.delay_ms).replace('+', '') : '—'}</td>
                      <td className="num">{s.stratum || '—'}</td>
                      <td className="mono small">{s.reference_id || '—'}</td>
                      <td className="nowrap small">{formatTime(s.last_sync || undefined, lang)}</td>
                      <td className="small error-text">{s.last_error || '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </div>

          {status.chrony && (
            <div className="card" data-testid="chrony">
              <h2>{t('time.chrony')}</h2>
              <dl className="kv kv-row">
                <dt>{t('time.chronyRef')}</dt><dd className="mono">{status.chrony.reference || '—'}</dd>
                <dt>{t('time.stratum')}</dt><dd>{status.chrony.stratum}</dd>
                <dt>{t('time.systemOffset')}</dt><dd className="mono">{formatMs(status.chrony.system_offset_ms)}</dd>
                <dt>{t('time.rmsOffset')}</dt><dd className="mono">{formatMs(status.chrony.rms_offset_ms).replace('+', '')}</dd>
                <dt>{t('time.leap')}</dt><dd><StatusBadge tone={leap(status.chrony.leap_status)}>{status.chrony.leap_status}</StatusBadge></dd>
              </dl>
            </div>
          )}

          <div className="card">
            <h2>{t('time.chart')}</h2>
            <p className="muted small chart-note">{t('time.chartNote')}</p>
            <EChart option={chart} label={t('time.chart')} height={280} />
          </div>
        </>
      )}
    </section>
  );
}

/** The server's reasons are English sentences; the common ones get a Chinese rendering. */
function reasonText(reason: string, t: ReturnType<typeof useI18n>['t']): string {
  if (reason === 'synchronised') return t('time.reason.synced');
  if (reason.startsWith('no time sources configured')) return t('time.reason.none');
  let m = /hold-over limit of (\d+) s/.exec(reason);
  if (m) return t('time.reason.holdover', { n: m[1] });
  m = /clock offset (-?[\d.]+) ms exceeds the configured accuracy of (\d+) ms/.exec(reason);
  if (m) return t('time.reason.offset', { off: m[1], max: m[2] });
  return reason;
}
