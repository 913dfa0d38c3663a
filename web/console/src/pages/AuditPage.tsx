import { useCallback, useEffect, useState } from 'react';
import { api } from '../api/client';
import type { AuditEntry, AuditFilter, AuditPage as AuditPageData } from '../api/types';
import { AuditActionChart } from '../components/AuditActionChart';
import { AuditFilterBar } from '../components/AuditFilterBar';
import { AuditVerifyCard } from '../components/AuditVerifyCard';
import { ErrorNotice } from '../components/ErrorNotice';
import { PageHeader } from '../components/PageHeader';
import { Pagination } from '../components/Pagination';
import { ReviewDialog } from '../components/ReviewDialog';
import { StatusBadge, type Tone } from '../components/StatusBadge';
import { formatTime } from '../format';
import type { MessageKey } from '../i18n/dict';
import { useI18n } from '../i18n/I18nContext';
import { useSession } from '../session/SessionContext';
import { Icon } from '../components/Icon';

const PAGE_SIZE = 20;
const CHART_SAMPLE = 1000;
const RESULT_TONE: Record<string, Tone> = { success: 'ok', failure: 'bad', denied: 'warn' };

export function AuditPage() {
  const { t, lang } = useI18n();
  const { session } = useSession();
  const canReview = session!.permissions.includes('review_audit');
  const canVerify = session!.permissions.includes('verify_audit');
  const [filter, setFilter] = useState<AuditFilter>({});
  const [page, setPage] = useState(1);
  const [data, setData] = useState<AuditPageData | null>(null);
  const [sample, setSample] = useState<AuditEntry[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [reviewing, setReviewing] = useState<AuditEntry | null>(null);

  const load = useCallback(async () => {
    try {
      const [p, s] = await Promise.all([
        api.queryAudit({ ...filter, page, page_size: PAGE_SIZE }),
        api.queryAudit({ ...filter, page: 1, page_size: CHART_SAMPLE }),
      ]);
      setData(p);
      setSample(s.entries);
      setError(null);
    } catch (e) {
      setError(e);
    }
  }, [filter, page]);
  useEffect(() => void load(), [load]);

  const pages = data ? Math.ceil(data.total / PAGE_SIZE) : 1;
  const resultLabel = (r: string) => (['success', 'failure', 'denied'].includes(r) ? t(('audit.' + r) as MessageKey) : r);

  return (
    <section>
      <PageHeader title={t('audit.heading')} intro={t('audit.intro')}
        actions={
          <a className="button" href={api.auditExportUrl(filter)} download="medsign-audit.csv" data-testid="export-csv">
            <Icon name="download" /> {t('audit.export')}
          </a>
        } />
      <AuditFilterBar onSearch={(f) => { setPage(1); setFilter(f); }} />
      <ErrorNotice error={error} />
      <div className="audit-top">
        {canVerify && <AuditVerifyCard onVerified={() => void load()} />}
        <AuditActionChart entries={sample} />
      </div>
      <div className="card table-card">
        <div className="table-toolbar">
          <strong data-testid="audit-total">{t('audit.total', { n: data?.total ?? 0 })}</strong>
          <Pagination page={page} pages={pages} onPage={setPage} />
        </div>
        <div className="scroll-table">
          <table className="data-table audit-table" aria-label={t('audit.heading')}>
            <thead>
              <tr>
                <th scope="col" className="num">{t('audit.seq')}</th>
                <th scope="col">{t('audit.time')}</th>
                <th scope="col">{t('audit.actor')}</th>
                <th scope="col">{t('audit.action')}</th>
                <th scope="col">{t('audit.target')}</th>
                <th scope="col">{t('audit.result')}</th>
                <th scope="col">{t('audit.source')}</th>
                <th scope="col">{t('audit.reviewed')}</th>
              </tr>
            </thead>
            <tbody>
              {data?.entries.length === 0 && <tr><td colSpan={8} className="empty">{t('audit.empty')}</td></tr>}
              {data?.entries.map((e) => (
                <tr key={e.seq} data-seq={e.seq}>
                  <td className="num mono">{e.seq}</td>
                  <td className="nowrap small">{formatTime(e.time, lang)}</td>
                  <td>{e.actor}<div className="muted small">{e.role}</div></td>
                  <td className="mono small">{e.action}</td>
                  <td className="target" title={e.detail}>{e.target}{e.detail && <div className="muted small clip">{e.detail}</div>}</td>
                  <td><StatusBadge tone={RESULT_TONE[e.result] ?? 'neutral'}>{resultLabel(e.result)}</StatusBadge></td>
                  <td className="mono small">{e.source}</td>
                  <td>
                    {e.reviewed ? (
                      <span title={e.review_note}><StatusBadge tone="info">✔ {t('audit.reviewedBy')}</StatusBadge><div className="muted small">{e.reviewed_by}</div></span>
                    ) : canReview ? (
                      <button type="button" className="small-button" onClick={() => setReviewing(e)}>{t('audit.review')}</button>
                    ) : (
                      <span className="muted small">{t('audit.notReviewed')}</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
      {reviewing && (
        <ReviewDialog entry={reviewing} onClose={() => setReviewing(null)} onReview={async (note) => {
          const seq = reviewing.seq;
          setReviewing(null);
          try {
            await api.reviewAudit(seq, note);
          } catch (e) {
            setError(e);
          }
          await load();
        }} />
      )}
    </section>
  );
}
