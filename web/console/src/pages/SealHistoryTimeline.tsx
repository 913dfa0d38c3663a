import { useEffect, useState, type CSSProperties } from 'react';
import { sealOps, type Seal, type SealEvent, type SealState } from '../api/seals';
import { ErrorNotice } from '../components/ErrorNotice';
import { formatTime } from '../format';
import { useI18n } from '../i18n/I18nContext';
import type { MessageKey } from '../i18n/dict';
import { SealStateBadge } from './SealsPage';

const DOT: Record<SealState, string> = {
  made: 'var(--blue-600)', active: 'var(--teal-600)', suspended: 'var(--amber-600)', revoked: 'var(--red-600)',
};
const GRANT_DOT = 'var(--ink-3)';

const list: CSSProperties = { listStyle: 'none', margin: '0 0 8px 6px', padding: 0, borderLeft: '2px solid var(--line)' };
const item: CSSProperties = { position: 'relative', padding: '0 0 14px 18px' };
const dot = (colour: string): CSSProperties => ({
  position: 'absolute', left: -8, top: 3, width: 14, height: 14, borderRadius: '50%', background: colour,
  boxShadow: '0 0 0 3px #fff',
});

/**
 * A seal's state history as a timeline, oldest first (GET /api/v1/seals/{id}/history): what happened, the
 * state before and after, who did it from where, the reason, and the seal user of grant events. Reloads when
 * the seal changes.
 */
export function SealHistoryTimeline({ seal }: { seal: Seal }) {
  const { t, lang } = useI18n();
  const [events, setEvents] = useState<SealEvent[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let live = true;
    sealOps.history(seal.id).then(
      (e) => { if (live) { setEvents(e); setError(null); } },
      (e) => { if (live) setError(e); });
    return () => { live = false; };
  }, [seal.id, seal.state, seal.updated_at]);

  return (
    <section aria-label={t('seals.history')}>
      <h3>{t('seals.history')}</h3>
      <ErrorNotice error={error} />
      {events === null && !error && <p className="muted small">{t('common.loading')}</p>}
      {events?.length === 0 && <p className="muted small">{t('seals.historyEmpty')}</p>}
      {events && events.length > 0 && (
        <ol style={list} data-testid="seal-history">
          {events.map((e) => {
            const grant = e.action === 'granted' || e.action === 'grant_withdrawn';
            return (
              <li key={e.seq} style={item} data-event={e.action} data-seq={e.seq}>
                <span aria-hidden="true" style={dot(grant ? GRANT_DOT : DOT[e.to_state] ?? GRANT_DOT)} />
                <div>
                  <strong>{t(`seals.event.${e.action}` as MessageKey)}</strong>{' '}
                  {!grant && <>{e.from_state && <><SealStateBadge state={e.from_state} /> → </>}<SealStateBadge state={e.to_state} /></>}
                  <span className="muted small"> · {formatTime(e.at, lang)}</span>
                </div>
                <div className="muted small">
                  {t('seals.historyBy', { actor: e.actor })}
                  {e.source && e.source !== 'migration' && <> · {t('seals.historyFrom', { source: e.source })}</>}
                </div>
                {e.user && <div className="small">{t('seals.historyUser', { name: e.user.display_name || e.user.id })}</div>}
                {e.reason && <div className="small">{t('seals.historyReason', { reason: e.reason })}</div>}
                {e.source === 'migration' && <div className="muted small">{t('seals.historyMigrated')}</div>}
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}
