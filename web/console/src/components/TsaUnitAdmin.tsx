// TSA unit management for operators: key generation, CSR export, certificate import, third-party CA certificates.
import { useCallback, useEffect, useState } from 'react';
import { ops, type TsaCaCertificate } from '../api/operations';
import { downloadBlob, downloadText, formatTime } from '../format';
import { useI18n } from '../i18n/I18nContext';
import { CertificateInput } from './CertificateInput';
import { ConfirmDialog } from './ConfirmDialog';
import { Dialog } from './Dialog';
import { ErrorNotice } from './ErrorNotice';
import { Icon } from './Icon';
import { ValidityBadge } from './ValidityBadge';

/** Generate (or replace) a unit's key; the development CA certifies it until a production certificate is imported. */
export function TsaGenerateDialog({ existing, onClose, onDone }: { existing: string[]; onClose(): void; onDone(name: string): void }) {
  const { t } = useI18n();
  const [name, setName] = useState('');
  const [algorithm, setAlgorithm] = useState('sm2');
  const [confirming, setConfirming] = useState(false);
  const valid = /^[a-z0-9_-]{1,32}$/.test(name);
  const replaces = existing.includes(name);
  if (confirming) {
    return (
      <ConfirmDialog title={t('tsaAdmin.confirmTitle')} danger={replaces} confirmLabel={t('tsaAdmin.generate')}
        onClose={onClose} onConfirm={async () => { await ops.tsaGenerate(name, algorithm); onDone(name); }}>
        <p>{replaces ? t('tsaAdmin.confirmReplace', { name }) : t('tsaAdmin.confirmNew', { name, alg: algorithm.toUpperCase() })}</p>
      </ConfirmDialog>
    );
  }
  return (
    <Dialog title={t('tsaAdmin.generateTitle')} onClose={onClose}
      footer={<>
        <button type="button" onClick={onClose}>{t('common.cancel')}</button>
        <button type="button" className="primary" disabled={!valid} onClick={() => setConfirming(true)}>{t('tsaAdmin.next')}</button>
      </>}>
      <div className="field">
        <label htmlFor="tsa-gen-name">{t('tsa.unit')}</label>
        <input id="tsa-gen-name" className="mono" list="tsa-unit-names" value={name} onChange={(e) => setName(e.target.value.trim())} />
        <datalist id="tsa-unit-names">{existing.map((n) => <option key={n} value={n} />)}</datalist>
        <div className="muted small">{t('tsaAdmin.nameHint')}</div>
      </div>
      <div className="field">
        <label htmlFor="tsa-gen-alg">{t('keys.algorithm')}</label>
        <select id="tsa-gen-alg" value={algorithm} onChange={(e) => setAlgorithm(e.target.value)}>
          <option value="sm2">SM2</option>
          <option value="ecdsa">ECDSA P-256</option>
          <option value="rsa">RSA</option>
        </select>
      </div>
      <p className="notice notice-info small">{t('tsaAdmin.generateNote')}</p>
    </Dialog>
  );
}

/** Install a unit's certificate (with its chain); the server's checks explain a refusal. */
export function TsaImportDialog({ unit, onClose, onDone }: { unit: string; onClose(): void; onDone(): void }) {
  const { t } = useI18n();
  const [pem, setPem] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      await ops.tsaImportCertificate(unit, pem);
      onDone();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog title={t('tsaAdmin.importTitle', { name: unit })} wide onClose={onClose}
      footer={<>
        <button type="button" onClick={onClose}>{t('common.cancel')}</button>
        <button type="button" className="primary" disabled={busy || !pem.includes('-----BEGIN')} onClick={() => void submit()}>{t('tsaAdmin.install')}</button>
      </>}>
      <p className="muted small">{t('tsaAdmin.importHint')}</p>
      <CertificateInput id="tsa-cert" label={t('tsaAdmin.certPem')} accept=".pem,.crt,.cer" onChange={setPem} />
      <ErrorNotice error={error} prefix={t('tsaAdmin.checkFailed')} />
    </Dialog>
  );
}

/** Downloads the unit's PKCS#10 request. */
export async function downloadTsaCsr(unit: string) {
  const f = await ops.tsaCsr(unit);
  downloadBlob(f.filename, f.blob);
}

/** Third-party CA certificates that TSA certificates may chain to: list, import, export. */
export function TsaCaCertificatesCard({ operator }: { operator: boolean }) {
  const { t, lang } = useI18n();
  const [list, setList] = useState<TsaCaCertificate[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [importing, setImporting] = useState(false);
  const [pem, setPem] = useState('');
  const [busy, setBusy] = useState(false);
  const load = useCallback(() => ops.tsaCaCertificates().then(setList, setError), []);
  useEffect(() => void load(), [load]);
  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      await ops.tsaImportCa(pem);
      setImporting(false);
      await load();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="card table-card" data-testid="tsa-ca-card">
      <div className="table-toolbar">
        <div>
          <h2 className="table-title">{t('tsaAdmin.caCerts')}</h2>
          <div className="muted small">{t('tsaAdmin.caCertsHint')}</div>
        </div>
        {operator && <button type="button" onClick={() => { setPem(''); setImporting(true); }}><Icon name="plus" /> {t('tsaAdmin.importCa')}</button>}
      </div>
      {!importing && <ErrorNotice error={error} />}
      <div className="scroll-table">
        <table className="data-table" aria-label={t('tsaAdmin.caCerts')}>
          <thead>
            <tr>
              <th scope="col">{t('keys.subject')}</th>
              <th scope="col">{t('keys.algorithm')}</th>
              <th scope="col">{t('tsa.notAfter')}</th>
              <th scope="col">{t('keys.fingerprint')}</th>
              <th scope="col">{t('common.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {list?.length === 0 && <tr><td colSpan={5} className="empty">{t('tsaAdmin.noCaCerts')}</td></tr>}
            {list?.map((c) => (
              <tr key={c.sha256} data-ca-sha256={c.sha256}>
                <td className="dn">{c.subject}</td>
                <td><span className="algo">{c.algorithm.toUpperCase()}</span></td>
                <td className="nowrap small">{formatTime(c.not_after, lang)}<div><ValidityBadge notAfter={c.not_after} /></div></td>
                <td className="mono small" title={c.sha256}>{c.sha256.slice(0, 16)}…</td>
                <td>
                  <button type="button" className="small-button" onClick={() => downloadText(`tsa-ca-${c.sha256.slice(0, 12)}.pem`, c.pem, 'application/x-pem-file')}>
                    <Icon name="download" size={14} /> PEM
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {importing && (
        <Dialog title={t('tsaAdmin.importCa')} wide onClose={() => setImporting(false)}
          footer={<>
            <button type="button" onClick={() => setImporting(false)}>{t('common.cancel')}</button>
            <button type="button" className="primary" disabled={busy || !pem.includes('-----BEGIN')} onClick={() => void submit()}>{t('trust.import')}</button>
          </>}>
          <CertificateInput id="tsa-ca" label={t('tsaAdmin.certPem')} accept=".pem,.crt,.cer" onChange={setPem} />
          <ErrorNotice error={error} />
        </Dialog>
      )}
    </div>
  );
}
