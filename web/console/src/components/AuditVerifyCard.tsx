import { useState } from 'react';
import { api } from '../api/client';
import type { AuditVerifyReport } from '../api/types';
import { useI18n } from '../i18n/I18nContext';
import { ErrorNotice } from './ErrorNotice';
import { StatusBadge } from './StatusBadge';
import { Icon } from './Icon';

export function AuditVerifyCard({ onVerified }: { onVerified?(): void }) {
  const { t } = useI18n();
  const [report, setReport] = useState<AuditVerifyReport | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const verify = async () => {
    setBusy(true);
    setError(null);
    try {
      setReport(await api.verifyAudit());
      onVerified?.();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="card verify-card" data-testid="verify-card">
      <div className="verify-head">
        <h2>{t('audit.verifyTitle')}</h2>
        <button type="button" onClick={verify} disabled={busy}><Icon name="shield" /> {t('audit.verify')}</button>
      </div>
      <ErrorNotice error={error} />
      {!report ? (
        <p className="muted">{t('audit.verifyNotRun')}</p>
      ) : (
        <div className="verify-body">
          <span data-testid="verify-result">
            <StatusBadge tone={report.ok ? 'ok' : 'bad'}>
              {report.ok ? '✔ ' + t('audit.verifyOk') : '✖ ' + t('audit.verifyBad')}
            </StatusBadge>
          </span>
          <dl className="kv inline">
            <dt>{t('audit.entries')}</dt>
            <dd data-testid="verify-entries">{report.entries}</dd>
            <dt>{t('audit.checkpoints')}</dt>
            <dd>{report.checkpoints}</dd>
            {!report.ok && (
              <>
                <dt>{t('audit.firstBad')}</dt>
                <dd>#{report.first_bad_seq}</dd>
                <dt>{t('audit.problem')}</dt>
                <dd>{report.problem}</dd>
              </>
            )}
          </dl>
        </div>
      )}
    </div>
  );
}
