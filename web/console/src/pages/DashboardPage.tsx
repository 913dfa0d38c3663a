import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { api } from '../api/client';
import type { ExpiryItem, SystemStatus } from '../api/types';
import { DashboardTimeCard } from '../components/DashboardTimeCard';
import { EChart } from '../components/EChart';
import { ErrorNotice } from '../components/ErrorNotice';
import { PageHeader } from '../components/PageHeader';
import { StatusBadge } from '../components/StatusBadge';
import { formatClock, formatDuration, formatTime } from '../format';
import { useI18n } from '../i18n/I18nContext';
import type { MessageKey } from '../i18n/dict';
import { parsePrometheus, routeStats, totalRequests, type RouteStats } from '../metrics/prometheus';

const POLL_MS = 5000;
const MAX_POINTS = 60;

const WARNING_LABELS: Record<string, MessageKey> = {
  certificate_expiry: 'dash.certExpiry',
  crl_stale: 'gaps.dash.crlStale',
  crl_expiring: 'gaps.dash.crlExpiring',
  crl_fetch_failed: 'gaps.dash.crlFetchFailed',
};

function warningLabel(kind: string, t: (k: MessageKey) => string): string {
  const key = WARNING_LABELS[kind];
  return key ? t(key) : kind;
}

export function DashboardPage() {
  const { t, lang } = useI18n();
  const [status, setStatus] = useState<SystemStatus | null>(null);
  const [routes, setRoutes] = useState<RouteStats[]>([]);
  const [rate, setRate] = useState<{ time: string; value: number }[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [expiry, setExpiry] = useState<{ warn_days: number; items: ExpiryItem[] } | null>(null);
  const [expiryError, setExpiryError] = useState<unknown>(null);
  // Rates are differences between successive /metrics counter readings.
  const prevSample = useRef<{ at: number; total: number } | null>(null);

  const load = useCallback(async () => {
    try {
      const [st, text] = await Promise.all([api.systemStatus(), api.metricsText()]);
      setStatus(st);
      const samples = parsePrometheus(text);
      setRoutes(routeStats(samples));
      const total = totalRequests(samples);
      const now = Date.now();
      const prev = prevSample.current;
      if (prev) {
        const dt = (now - prev.at) / 1000;
        const v = dt > 0 ? Math.max(0, (total - prev.total) / dt) : 0;
        const label = formatClock(new Date(now), lang);
        setRate((r) => [...r, { time: label, value: Math.round(v * 100) / 100 }].slice(-MAX_POINTS));
      }
      prevSample.current = { at: now, total };
      setError(null);
    } catch (e) {
      setError(e);
    }
  }, [lang]);

  // Certificate expiry changes by the day: read once per visit and on "refresh".
  const loadExpiry = useCallback(() => {
    api.systemExpiry().then((r) => { setExpiry(r); setExpiryError(null); }, setExpiryError);
  }, []);
  useEffect(loadExpiry, [loadExpiry]);

  useEffect(() => {
    void load();
    // A second reading soon after the first, so the rate chart has a point without waiting a whole poll.
    const soon = window.setTimeout(() => void load(), 1000);
    const timer = window.setInterval(() => void load(), POLL_MS);
    return () => { window.clearTimeout(soon); window.clearInterval(timer); };
  }, [load]);

  // Key certificate expiry is part of the expiry card below, with every other certificate.
  const otherWarnings = (status?.warnings ?? []).filter((w) => !(expiry && w.kind === 'certificate_expiry'));
  const top = routes.slice(0, 10);
  const byRoute = useMemo(
    () => ({
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
      xAxis: { type: 'value', minInterval: 1 },
      yAxis: { type: 'category', data: top.map((r) => r.route).reverse(), axisLabel: { fontSize: 11 } },
      series: [
        { name: '2xx/3xx', type: 'bar', stack: 'r', data: top.map((r) => r.ok).reverse() },
        { name: '4xx', type: 'bar', stack: 'r', data: top.map((r) => r.clientErrors).reverse(), itemStyle: { color: '#f0a020' } },
        { name: '5xx', type: 'bar', stack: 'r', data: top.map((r) => r.serverErrors).reverse(), itemStyle: { color: '#d9534f' } },
      ],
    }),
    [top],
  );
  const latency = useMemo(
    () => ({
      tooltip: { trigger: 'axis', valueFormatter: (v: number) => v.toFixed(2) + ' ms' },
      grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
      xAxis: { type: 'value', name: 'ms' },
      yAxis: { type: 'category', data: top.map((r) => r.route).reverse(), axisLabel: { fontSize: 11 } },
      series: [
        {
          name: t('dash.latency'),
          type: 'bar',
          data: top.map((r) => Math.round(r.meanLatencyMs * 100) / 100).reverse(),
          itemStyle: { color: '#14a38b' },
        },
      ],
    }),
    [top, t],
  );
  const rateOption = useMemo(
    () => ({
      tooltip: { trigger: 'axis' },
      grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
      xAxis: { type: 'category', data: rate.map((p) => p.time), boundaryGap: false },
      yAxis: { type: 'value', minInterval: 0.1 },
      series: [{ name: t('dash.rate'), type: 'line', smooth: true, areaStyle: { opacity: 0.15 }, data: rate.map((p) => p.value) }],
    }),
    [rate, t],
  );

  return (
    <section aria-labelledby="page-title">
      <PageHeader title={t('dash.heading')} actions={<button type="button" onClick={() => { void load(); loadExpiry(); }}>{t('common.refresh')}</button>} />
      <ErrorNotice error={error} />
      {status && (
        <div className="stat-grid" data-testid="status-cards">
          <div className="stat-card">
            <div className="stat-label">{t('dash.services')}</div>
            <div className="stat-value services">
              {Object.entries(status.services).map(([name, st]) => (
                <StatusBadge key={name} tone={st === 'up' ? 'ok' : 'neutral'}>
                  {name.toUpperCase()} · {st === 'up' ? t('dash.up') : t('dash.off')}
                </StatusBadge>
              ))}
            </div>
          </div>
          <div className="stat-card">
            <div className="stat-label">{t('dash.version')}</div>
            <div className="stat-value" data-testid="version">{status.version}</div>
          </div>
          <div className="stat-card">
            <div className="stat-label">{t('dash.uptime')}</div>
            <div className="stat-value">{formatDuration(status.uptime_s, lang)}</div>
            <div className="muted small">{t('dash.startedAt')} {formatTime(status.started_at, lang)}</div>
          </div>
          <div className="stat-card">
            <div className="stat-label">{t('dash.database')}</div>
            <div className="stat-value">{status.database === 'postgres' ? 'PostgreSQL' : 'SQLite'}</div>
          </div>
        </div>
      )}
      {status && (
        <div className="card">
          <h2>{t('dash.warnings')}</h2>
          {otherWarnings.length === 0 ? (
            <p className="muted">✔ {t('dash.noWarnings')}</p>
          ) : (
            <ul className="warning-list">
              {otherWarnings.map((w, i) => (
                <li key={i}>
                  <StatusBadge tone={w.kind === 'crl_stale' || w.kind === 'crl_fetch_failed' ? 'bad' : 'warn'}>
                    {warningLabel(w.kind, t)}</StatusBadge>{' '}
                  <span className="mono small">{w.key}</span>
                  {w.not_after && <span className="muted"> · {formatTime(w.not_after, lang)}</span>}
                  {w.detail && <span className="muted small"> · {w.detail}</span>}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      <div className="card" data-testid="expiry-card">
        <h2>{t('exp.heading')}</h2>
        <ErrorNotice error={expiryError} />
        {expiry && <p className="muted small">{t('exp.intro', { days: expiry.warn_days })}</p>}
        {expiry && expiry.items.length === 0 && <p className="muted">✔ {t('exp.none')}</p>}
        {expiry && expiry.items.length > 0 && (
          <table className="data-table" aria-label={t('exp.heading')}>
            <thead>
              <tr>
                <th scope="col">{t('exp.state')}</th>
                <th scope="col">{t('exp.name')}</th>
                <th scope="col">{t('exp.subject')}</th>
                <th scope="col">{t('exp.notAfter')}</th>
              </tr>
            </thead>
            <tbody>
              {expiry.items.map((it) => (
                <tr key={it.kind + ':' + it.name} data-expiry={it.kind + ':' + it.name}>
                  <td className="nowrap">
                    <StatusBadge tone={it.level === 'error' ? 'bad' : 'warn'}>
                      {it.days_left < 0 ? t('exp.expired', { n: -it.days_left }) : t('exp.daysLeft', { n: it.days_left })}
                    </StatusBadge>
                  </td>
                  <td>
                    <div className="muted small">{t(('exp.kind.' + it.kind) as MessageKey)}</div>
                    <span className="mono small" title={it.name}>{it.name.length > 24 ? it.name.slice(0, 16) + '…' : it.name}</span>
                  </td>
                  <td className="dn">{it.subject}</td>
                  <td className="nowrap small">{formatTime(it.not_after, lang)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      <DashboardTimeCard />
      <div className="chart-grid">
        <div className="card">
          <h2>{t('dash.requestsByRoute')}</h2>
          <EChart option={byRoute} label={t('dash.requestsByRoute')} height={280} />
        </div>
        <div className="card">
          <h2>{t('dash.latencyByRoute')}</h2>
          <EChart option={latency} label={t('dash.latencyByRoute')} height={280} />
        </div>
      </div>
      <div className="card">
        <h2>{t('dash.requestRate')}</h2>
        <EChart option={rateOption} label={t('dash.requestRate')} height={200} />
      </div>
    </section>
  );
}
