import { useState, type FormEvent } from 'react';
import { ops, CA_KEY_ALGORITHMS, CA_PROFILES, type CaAuthority, type CaProfile, type IssuedCertificate } from '../api/operations';
import { CertificateInput } from '../components/CertificateInput';
import { Dialog } from '../components/Dialog';
import { ErrorNotice } from '../components/ErrorNotice';
import { Icon } from '../components/Icon';
import { downloadText } from '../format';
import { useI18n } from '../i18n/I18nContext';
import type { MessageKey } from '../i18n/dict';

interface Subject { CN: string; O: string; OU: string; L: string; ST: string; C: string; }

/** "C=CN, ST=…, O=…, CN=…" from the filled fields (commas inside a value are dropped). */
function subjectText(s: Subject): string {
  return (['C', 'ST', 'L', 'O', 'OU', 'CN'] as const)
    .filter((k) => s[k].trim())
    .map((k) => `${k}=${s[k].trim().replace(/[,+=]/g, ' ')}`)
    .join(', ');
}

const lines = (s: string) => s.split(/[\s,]+/).map((x) => x.trim()).filter(Boolean);

/** Issue a certificate from a PKCS#10 request or for a key generated (and kept sealed) on the server. */
export function CaIssueDialog({ cas, initialCa, onClose, onIssued }: {
  cas: CaAuthority[];
  initialCa: string;
  onClose(): void;
  onIssued(c: IssuedCertificate): void;
}) {
  const { t } = useI18n();
  const [ca, setCa] = useState(initialCa);
  const [profile, setProfile] = useState<CaProfile>('personal-signing');
  const [mode, setMode] = useState<'generate' | 'csr'>('generate');
  const [alg, setAlg] = useState<string>('sm2');
  const [csr, setCsr] = useState('');
  const [subject, setSubject] = useState<Subject>({ CN: '', O: '', OU: '', L: '', ST: '', C: 'CN' });
  const [days, setDays] = useState(365);
  const [dns, setDns] = useState('');
  const [emails, setEmails] = useState('');
  const [idCard, setIdCard] = useState('');
  const [worker, setWorker] = useState('');
  const [uscc, setUscc] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [issued, setIssued] = useState<IssuedCertificate | null>(null);
  const person = profile.startsWith('personal');
  const needsDns = profile === 'tls-server' || profile === 'device';

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const identity: Record<string, string> = {};
      if (idCard.trim()) identity.id_card_number = idCard.trim();
      if (worker.trim()) identity.health_worker_id = worker.trim();
      if (uscc.trim()) identity.unified_social_credit_code = uscc.trim();
      const subj = subjectText(subject);
      const r = await ops.issue(ca, {
        profile,
        days,
        ...(mode === 'csr' ? { csr } : { generate_key: alg }),
        subject: mode === 'generate' || subject.CN.trim() ? subj : undefined,
        dns_names: needsDns ? lines(dns) : undefined,
        emails: lines(emails).length ? lines(emails) : undefined,
        identity: Object.keys(identity).length ? identity : undefined,
      });
      setIssued(r);
      onIssued(r);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  if (issued) {
    return (
      <Dialog title={t('ca.issuedTitle')} onClose={onClose} wide
        footer={<>
          {issued.certificate && <button type="button" onClick={() => downloadText(`${issued.serial}.pem`, issued.certificate!, 'application/x-pem-file')}>
            <Icon name="download" /> PEM</button>}
          <button type="button" className="primary" onClick={onClose}>{t('common.close')}</button>
        </>}>
        <div className="notice notice-ok" data-testid="issued-result">{t('ca.issuedOk')}</div>
        <dl className="kv">
          <dt>{t('keys.subject')}</dt><dd className="dn">{issued.subject}</dd>
          <dt>{t('keys.serial')}</dt><dd className="mono small" data-testid="issued-serial">{issued.serial}</dd>
          <dt>{t('ca.profile')}</dt><dd>{t(`ca.profile.${issued.profile}` as MessageKey)}</dd>
          <dt>{t('keys.algorithm')}</dt><dd><span className="algo">{issued.algorithm.toUpperCase()}</span></dd>
          <dt>{t('ca.keyHeld')}</dt><dd>{issued.key_held ? t('ca.keyHeldYes') : t('common.no')}</dd>
        </dl>
      </Dialog>
    );
  }

  const field = (k: keyof Subject, label: MessageKey, placeholder = '') => (
    <div className="field">
      <label htmlFor={`subj-${k}`}>{t(label)}</label>
      <input id={`subj-${k}`} value={subject[k]} placeholder={placeholder} onChange={(e) => setSubject({ ...subject, [k]: e.target.value })} />
    </div>
  );
  return (
    <Dialog title={t('ca.issue')} onClose={onClose} wide>
      <form onSubmit={(e) => void submit(e)} aria-label={t('ca.issue')}>
        <div className="form-grid">
          <div className="field">
            <label htmlFor="issue-ca">{t('ca.issuer')}</label>
            <select id="issue-ca" value={ca} onChange={(e) => setCa(e.target.value)}>
              {cas.map((c) => <option key={c.name} value={c.name}>{c.name} ({c.algorithm.toUpperCase()})</option>)}
            </select>
          </div>
          <div className="field">
            <label htmlFor="issue-profile">{t('ca.profile')}</label>
            <select id="issue-profile" value={profile} onChange={(e) => setProfile(e.target.value as CaProfile)}>
              {CA_PROFILES.map((p) => <option key={p} value={p}>{t(`ca.profile.${p}` as MessageKey)}</option>)}
            </select>
          </div>
          <div className="field">
            <label htmlFor="issue-days">{t('ca.days')}</label>
            <input id="issue-days" type="number" min={1} max={3650} value={days} onChange={(e) => setDays(Number(e.target.value))} />
          </div>
        </div>
        <fieldset className="key-fieldset">
          <legend>{t('ca.keySource')}</legend>
          <label className="check-row"><input type="radio" name="key-mode" checked={mode === 'generate'} onChange={() => setMode('generate')} /> {t('ca.generateKey')}</label>
          <label className="check-row"><input type="radio" name="key-mode" checked={mode === 'csr'} onChange={() => setMode('csr')} /> {t('ca.fromCsr')}</label>
          {mode === 'generate' ? (
            <div className="field">
              <label htmlFor="issue-alg">{t('keys.algorithm')}</label>
              <select id="issue-alg" value={alg} onChange={(e) => setAlg(e.target.value)}>
                {CA_KEY_ALGORITHMS.map((a) => <option key={a} value={a}>{a.toUpperCase()}</option>)}
              </select>
            </div>
          ) : (
            <CertificateInput id="issue-csr" label={t('ca.csr')} accept=".csr,.pem,.req,.p10" onChange={setCsr} rows={4}
              placeholder="-----BEGIN CERTIFICATE REQUEST-----" />
          )}
        </fieldset>
        <fieldset className="key-fieldset">
          <legend>{mode === 'csr' ? t('ca.subjectOverride') : t('ca.subject')}</legend>
          <div className="form-grid">
            {field('CN', person ? 'ca.cnPerson' : profile === 'organization' ? 'ca.cnOrg' : 'ca.cnDevice', person ? '张三' : '')}
            {field('O', 'ca.o', '某某市人民医院')}
            {field('OU', 'ca.ou', person ? '心内科' : '')}
            {field('L', 'ca.l')}
            {field('ST', 'ca.st')}
            {field('C', 'ca.c')}
          </div>
        </fieldset>
        <div className="form-grid">
          {needsDns && (
            <div className="field">
              <label htmlFor="issue-dns">{t('ca.dnsNames')}</label>
              <input id="issue-dns" className="mono" placeholder="sign.hospital.local" value={dns} onChange={(e) => setDns(e.target.value)} />
            </div>
          )}
          <div className="field">
            <label htmlFor="issue-email">{t('ca.emails')}</label>
            <input id="issue-email" value={emails} onChange={(e) => setEmails(e.target.value)} />
          </div>
          {person && (
            <>
              <div className="field">
                <label htmlFor="issue-idcard">{t('ca.idCard')}</label>
                <input id="issue-idcard" className="mono" value={idCard} onChange={(e) => setIdCard(e.target.value)} />
              </div>
              <div className="field">
                <label htmlFor="issue-worker">{t('ca.healthWorker')}</label>
                <input id="issue-worker" className="mono" value={worker} onChange={(e) => setWorker(e.target.value)} />
              </div>
            </>
          )}
          {profile === 'organization' && (
            <div className="field">
              <label htmlFor="issue-uscc">{t('ca.uscc')}</label>
              <input id="issue-uscc" className="mono" value={uscc} onChange={(e) => setUscc(e.target.value)} />
            </div>
          )}
        </div>
        <ErrorNotice error={error} />
        <div className="form-actions">
          <button type="button" onClick={onClose}>{t('common.cancel')}</button>
          <button type="submit" className="primary" disabled={busy || !ca || (mode === 'csr' ? !csr : !subject.CN.trim())}>
            {busy ? t('ca.issuing') : t('ca.issueSubmit')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
