import { useEffect, useState } from 'react';
import { api } from '../api/client';
import type { TimeStatus } from '../api/types';
import { useI18n } from '../i18n/I18nContext';
import { StatusBadge } from './StatusBadge';

const POLL_MS = 5000;

/** The dashboard's view of trusted time: whether timestamps may be issued, the clock offset, and each time
 *  source's offset; the time page has the full history chart. */
export function DashboardTimeCard() {
  const { t } = useI18n();
  const [st, setSt] = useState<TimeStatus | null>(null);
  useEffect(() => {
    let live = true;
    const load = () => api.timeStatus().then((s) => live && setSt(s), () => live && setSt(null));
    void load();
    const timer = window.setInterval(load, POLL_MS);
    return () => { live = false; window.clearInterval(timer); };
  }, []);
  if (!st) return null;
  const ms = (v: number | undefined) => (v === undefined ? '—' : `${v.toFixed(2)} ms`);
  return (
    <div className="card" data-testid="dash-time">
      <h2>{t('time.trusted')}</h2>
      {!st.watched ? <p className="muted">{t('time.notWatched')}</p> : (
        <>
          <p>
            {st.usable ? <StatusBadge tone="ok">{t('time.usable')}</StatusBadge> : <StatusBadge tone="bad">{t('time.unusable')}</StatusBadge>}
            {' '}{t('time.offset')} <strong className="mono">{ms(st.offset_ms)}</strong>
            {st.max_offset_ms !== undefined && <span className="muted small"> · {t('time.maxOffset', { n: st.max_offset_ms })}</span>}
            {!st.usable && st.reason && <span className="muted small"> · {st.reason}</span>}
          </p>
          {st.sources && st.sources.length > 0 ? (
            <table className="data-table" aria-label={t('time.sources')}>
              <thead>
                <tr>
                  <th scope="col">{t('time.source')}</th>
                  <th scope="col">{t('time.reachable')}</th>
                  <th scope="col">{t('time.offset')}</th>
                  <th scope="col">{t('time.delay')}</th>
                </tr>
              </thead>
              <tbody>
                {st.sources.map((s) => (
                  <tr key={s.name}>
                    <td className="mono">{s.name}</td>
                    <td>{s.reachable ? <StatusBadge tone="ok">{t('time.up')}</StatusBadge> : <StatusBadge tone="bad">{t('time.down')}</StatusBadge>}</td>
                    <td className="mono">{ms(s.offset_ms)}</td>
                    <td className="mono">{ms(s.delay_ms)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : <p className="muted small">{t('time.noSourcesRow')}</p>}
          <p className="small"><a href="#/time">{t('time.chart')} →</a></p>
        </>
      )}
    </div>
  );
}
