import { useEffect, useState, type FormEvent } from 'react';
import { ops, type PkiPolicy, type VerifyResult } from '../api/operations';
import { CertificateInput } from '../components/CertificateInput';
import { ErrorNotice } from '../components/ErrorNotice';
import { dateTimeTextToIso, formatTime, parseDateTimeText } from '../format';
import { DateTimeField } from '../components/DateTimeField';
import { useI18n } from '../i18n/I18nContext';
import type { MessageKey } from '../i18n/dict';
import { commonName } from './TrustAnchorsPanel';

const REASONS = new Set(['ok', 'expired', 'not_yet_valid', 'revoked', 'unknown_issuer', 'bad_signature', 'unsupported_algorithm',
  'wrong_usage', 'blacklisted', 'not_whitelisted', 'crl_unavailable', 'unknown_critical_extension', 'path_too_long',
  'not_a_ca', 'chain_loop', 'no_policy']);

/** Verify an uploaded certificate under a chosen policy; shows the verdict, the reason and the chain. */
export function TrustVerifyPanel() {
  const { t, lang } = useI18n();
  const [policies, setPolicies] = useState<PkiPolicy[]>([]);
  const [policy, setPolicy] = useState('');
  const [cert, setCert] = useState('');
  const [at, setAt] = useState('');
  const [result, setResult] = useState<VerifyResult | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    ops.policies().then((p) => { setPolicies(p); setPolicy((cur) => cur || p[0]?.name || ''); }, setError);
  }, []);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (at && !parseDateTimeText(at)) return;  // the field says what is wrong
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      const when = dateTimeTextToIso(at);
      setResult(await ops.verify(policy, cert, when));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const reason = (r: string) => (REASONS.has(r) ? t(`trust.reason.${r}` as MessageKey) : r);

  return (
    <div className="verify-layout">
      <form className="card" onSubmit={(e) => void submit(e)} aria-label={t('trust.verifyTitle')}>
        <h2>{t('trust.verifyTitle')}</h2>
        {policies.length === 0 && <p className="notice notice-info">{t('trust.needPolicy')}</p>}
        <div className="field">
          <label htmlFor="verify-policy">{t('trust.policy')}</label>
          <select id="verify-policy" value={policy} onChange={(e) => setPolicy(e.target.value)}>
            {policies.map((p) => <option key={p.name} value={p.name}>{p.name}{p.description ? ` — ${p.description}` : ''}</option>)}
          </select>
        </div>
        <CertificateInput id="verify-cert" label={t('trust.certToVerify')} accept=".pem,.crt,.cer,.der" onChange={setCert} rows={4} />
        <DateTimeField id="verify-at" label={t('trust.verifyAt')} value={at} onChange={setAt} />
        <div className="form-actions">
          <button type="submit" className="primary" disabled={busy || !policy || !cert}>{t('trust.verify')}</button>
        </div>
        <ErrorNotice error={error} />
      </form>
      <div className="card verify-result" data-testid="verify-verdict" aria-live="polite">
        <h2>{t('trust.verdict')}</h2>
        {!result && <p className="muted">{t('trust.verdictEmpty')}</p>}
        {result && (
          <>
            <div className={'verdict ' + (result.valid ? 'verdict-ok' : 'verdict-bad')}>
              <span className="verdict-mark" aria-hidden="true">{result.valid ? '✔' : '✖'}</span>
              <div>
                <strong>{result.valid ? t('trust.valid') : t('trust.invalid')}</strong>
                <div>{reason(result.reason)} <code className="muted">{result.reason}</code></div>
              </div>
            </div>
            <dl className="kv">
              {result.detail && <><dt>{t('trust.detail')}</dt><dd>{result.detail}</dd></>}
              <dt>{t('trust.policy')}</dt><dd className="mono">{result.policy}</dd>
              <dt>{t('trust.project')}</dt><dd className="mono">{result.project || '—'}</dd>
              <dt>{t('trust.verifiedAt')}</dt><dd>{formatTime(result.at, lang)}</dd>
              {result.revocation && (
                <>
                  <dt>{t('trust.revokedAt')}</dt><dd>{formatTime(result.revocation.revocation_time, lang)}</dd>
                  <dt>{t('ca.reason')}</dt><dd>{result.revocation.reason ? t(`ca.reason.${result.revocation.reason}` as MessageKey) : '—'}</dd>
                </>
              )}
            </dl>
            {result.chain.length > 0 && (
              <>
                <h3 className="sub-title">{t('trust.chain')}</h3>
                <ol className="chain-list">
                  {result.chain.map((c, i) => (
                    <li key={c.sha256 + i}>
                      <strong>{commonName(c.subject)}</strong> <span className="algo">{c.algorithm.toUpperCase()}</span>
                      <div className="muted small">{t('keys.issuer')}: {c.issuer}</div>
                      <div className="muted small">{formatTime(c.not_before, lang)} → {formatTime(c.not_after, lang)}</div>
                    </li>
                  ))}
                </ol>
              </>
            )}
          </>
        )}
      </div>
    </div>
  );
}
