import { useState, type ReactNode } from 'react';
import { ops, type CrlSource, type PkiCertificate } from '../api/operations';
import { Dialog } from '../components/Dialog';
import { ErrorNotice } from '../components/ErrorNotice';
import { useI18n } from '../i18n/I18nContext';
import type { MessageKey } from '../i18n/dict';
import { commonName } from './TrustAnchorsPanel';
import { FieldProblem, invalidProps } from './TrustProjectDialog';

type Field = 'url' | 'interval' | 'timeout';

/** Hours with at most three decimals, as typed in the form. */
const hoursOf = (s: number) => String(Math.round((s / 3600) * 1000) / 1000);

/**
 * Adds a CRL source for a CA, or edits one: URL, fetch interval, timeout, enabled (what the PUT takes; the CA
 * of a source is fixed). Limits as the server checks them (services/pki_crl_sources.cpp).
 */
export function TrustCrlSourceDialog({ source, cas, caSelect, onClose, onDone }: {
  source: CrlSource | null;
  cas: PkiCertificate[];
  /** The CA picker for a new source. */
  caSelect(value: string, onChange: (v: string) => void): ReactNode;
  onClose(): void;
  onDone(): void;
}) {
  const { t } = useI18n();
  const [ca, setCa] = useState(source?.ca_fingerprint ?? cas[0]?.fingerprint ?? '');
  const [url, setUrl] = useState(source?.url ?? 'http://');
  const [hours, setHours] = useState(source ? hoursOf(source.interval_s) : '6');
  const [timeout, setTimeoutS] = useState(source ? String(source.timeout_ms / 1000) : '10');
  const [enabled, setEnabled] = useState(source?.enabled ?? true);
  const [touched, setTouched] = useState<Set<Field>>(new Set());
  const [tried, setTried] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const touch = (f: Field) => setTouched((s) => new Set(s).add(f));
  const show = (f: Field) => tried || touched.has(f);

  const intervalS = Math.round(Number(hours) * 3600);
  const timeoutMs = Math.round(Number(timeout) * 1000);
  const problems: Partial<Record<Field, MessageKey>> = {};
  if (!/^(http|ldap):\/\/[^\s/?#]+(\S*)$/i.test(url.trim())) problems.url = 'trust.invalid.url';
  if (hours.trim() === '' || !Number.isFinite(intervalS) || intervalS < 60 || intervalS > 30 * 86400) problems.interval = 'trust.invalid.interval';
  if (timeout.trim() === '' || !Number.isFinite(timeoutMs) || timeoutMs < 100 || timeoutMs > 120000) problems.timeout = 'trust.invalid.timeout';

  const submit = async () => {
    setTried(true);
    if (Object.keys(problems).length > 0) return;
    setBusy(true);
    setError(null);
    try {
      const body = { url: url.trim(), interval_s: intervalS, timeout_ms: timeoutMs, enabled };
      await (source ? ops.updateCrlSource(source.id, body) : ops.addCrlSource({ ca_fingerprint: ca, ...body }));
      onDone();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const caName = commonName(cas.find((c) => c.fingerprint === ca)?.subject ?? ca.slice(0, 16) + '…');
  return (
    <Dialog title={source ? t('trust.editSource') : t('trust.addSource')} onClose={onClose}
      footer={<>
        <button type="button" onClick={onClose}>{t('common.cancel')}</button>
        <button type="button" className="primary" disabled={busy} onClick={() => void submit()}>
          {source ? t('common.save') : t('trust.add')}
        </button>
      </>}>
      <div className="field">
        <label htmlFor="src-ca">{t('trust.ca')}</label>
        {source
          ? <><input id="src-ca" value={caName} readOnly disabled /><span className="hint muted">{t('trust.sourceCaFixed')}</span></>
          : caSelect(ca, setCa)}
      </div>
      <div className="field">
        <label htmlFor="src-url">{t('trust.url')}</label>
        <input id="src-url" className="mono" value={url} maxLength={2000} {...invalidProps('src-url-problem', show('url') && !!problems.url)}
          onChange={(e) => { setUrl(e.target.value); touch('url'); }} />
        {show('url') && problems.url ? <FieldProblem id="src-url-problem" problem={problems.url} show />
          : <div className="muted small">{t('trust.urlHint')}</div>}
      </div>
      <div className="form-grid">
        <div className="field">
          <label htmlFor="src-hours">{t('trust.intervalHours')}</label>
          <input id="src-hours" type="number" min={0.017} max={720} step={0.5} value={hours}
            {...invalidProps('src-hours-problem', show('interval') && !!problems.interval)} onChange={(e) => { setHours(e.target.value); touch('interval'); }} />
          <FieldProblem id="src-hours-problem" problem={problems.interval} show={show('interval')} />
        </div>
        <div className="field">
          <label htmlFor="src-timeout">{t('trust.timeoutS')}</label>
          <input id="src-timeout" type="number" min={0.1} max={120} step={1} value={timeout}
            {...invalidProps('src-timeout-problem', show('timeout') && !!problems.timeout)} onChange={(e) => { setTimeoutS(e.target.value); touch('timeout'); }} />
          <FieldProblem id="src-timeout-problem" problem={problems.timeout} show={show('timeout')} />
        </div>
      </div>
      <label className="check-row">
        <input id="src-enabled" type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} /> {t('trust.sourceEnabled')}
      </label>
      <ErrorNotice error={error} />
    </Dialog>
  );
}
