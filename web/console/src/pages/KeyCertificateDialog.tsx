import { useCallback, useEffect, useState } from 'react';
import { ApiError, api } from '../api/client';
import { CertificateDetailsView, type CertificateDetails } from '../components/CertificateDetailsView';
import { CertificateInput } from '../components/CertificateInput';
import { Dialog } from '../components/Dialog';
import { ErrorNotice } from '../components/ErrorNotice';
import { Icon } from '../components/Icon';
import { downloadText, formatTime } from '../format';
import { useI18n } from '../i18n/I18nContext';

interface ChainEntry { pem: string; details: CertificateDetails }

/** A key-store key's certificate chain (leaf first, issuers the key store holds): pick a certificate to see every
 *  field; export the certificate or the whole chain as PEM; import a new certificate (with its chain) that a CA
 *  issued for the key — checked and shown first, imported on confirmation. */
export function KeyCertificateDialog({ name, onClose, onImported }: { name: string; onClose(): void; onImported?(): void }) {
  const { t, lang } = useI18n();
  const [chain, setChain] = useState<ChainEntry[] | null>(null);
  const [complete, setComplete] = useState(true);
  const [shown, setShown] = useState(0);
  const [error, setError] = useState<unknown>(null);
  const [importing, setImporting] = useState(false);
  const [pem, setPem] = useState('');
  const [preview, setPreview] = useState<ChainEntry[] | null>(null);
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState('');

  const load = useCallback(() => {
    api.keyCertificate(name).then((r) => {
      setChain(r.chain as ChainEntry[]);
      setComplete(r.complete);
      setShown(0);
      setError(null);
    }, (e) => {
      // A key without a certificate yet: go straight to the import.
      if (e instanceof ApiError && e.status === 404) setImporting(true);
      else setError(e);
    });
  }, [name]);
  useEffect(load, [load]);

  const check = async () => {
    setBusy(true);
    setError(null);
    try {
      const r = await api.importKeyCertificate(name, pem, true);
      setPreview((r.chain ?? []) as ChainEntry[]);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      const r = await api.importKeyCertificate(name, pem, false);
      setNotice(t(r.restart_required ? 'kc.importedRestart' : 'kc.imported', { name }));
      setImporting(false);
      setPreview(null);
      setPem('');
      load();
      onImported?.();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const downloadCsr = async () => {
    try {
      downloadText(`${name}.csr`, await api.keyCsr(name), 'application/pkcs10');
    } catch (e) {
      setError(e);
    }
  };

  const cn = (d: CertificateDetails) => /CN=([^,]+)/.exec(d.subject.dn)?.[1] ?? d.subject.dn;
  const footer = importing ? (
    preview ? <>
      <button type="button" onClick={() => setPreview(null)} disabled={busy}>{t('kc.back')}</button>
      <button type="button" className="primary" onClick={() => void confirm()} disabled={busy} data-testid="key-cert-confirm">
        {t('kc.confirm')}
      </button>
    </> : <>
      {chain && <button type="button" onClick={() => { setImporting(false); setError(null); }}>{t('common.cancel')}</button>}
      <button type="button" className="primary" onClick={() => void check()} disabled={busy || !pem}>{t('kc.check')}</button>
    </>
  ) : chain && <>
    <button type="button" onClick={() => { setImporting(true); setNotice(''); }} data-testid="key-cert-import">
      <Icon name="plus" /> {t('kc.import')}
    </button>
    <button type="button" onClick={() => downloadText(`${name}.pem`, chain[0].pem, 'application/x-pem-file')}>
      <Icon name="download" /> {t('gaps.keyCert.exportLeaf')}
    </button>
    <button type="button" className="primary"
      onClick={() => downloadText(`${name}-chain.pem`, chain.map((c) => c.pem).join(''), 'application/x-pem-file')}>
      <Icon name="download" /> {t('gaps.keyCert.exportChain')}
    </button>
  </>;

  return (
    <Dialog title={importing ? t('kc.importTitle', { name }) : t('gaps.keyCert.title', { name })} onClose={onClose} wide footer={footer}>
      {notice && <p className="notice notice-ok" role="status">{notice}</p>}
      <ErrorNotice error={error} />
      {importing && !preview && (
        <div data-testid="key-cert-import-form">
          <p className="muted">{t('kc.intro')}</p>
          <CertificateInput id="key-cert-pem" label={t('kc.pem')} accept=".pem,.crt,.cer" onChange={setPem} rows={8} />
          <p className="small">
            {t('kc.csrHint')}{' '}
            <button type="button" className="small-button" onClick={() => void downloadCsr()}>
              <Icon name="download" /> {t('kc.csr')}
            </button>
          </p>
        </div>
      )}
      {importing && preview && (
        <div data-testid="key-cert-preview">
          <h3>{t('kc.preview')}</h3>
          <p className="muted small">{t('kc.chainItems', { n: preview.length })}</p>
          {preview.map((c, i) => (
            <dl className="kv" key={c.details.fingerprints.sha256 + i} aria-label={c.details.subject.dn}>
              <dt><strong>{i + 1}.</strong></dt>
              <dd><strong>{i === 0 ? t('gaps.keyCert.leaf') : c.details.self_issued ? t('gaps.keyCert.root') : t('gaps.keyCert.intermediate')}</strong></dd>
              <dt>{t('kc.subject')}</dt><dd className="dn">{c.details.subject.dn}</dd>
              <dt>{t('kc.issuer')}</dt><dd className="dn">{c.details.issuer.dn}</dd>
              <dt>{t('kc.validity')}</dt>
              <dd>{formatTime(c.details.validity.not_before.iso, lang)} → {formatTime(c.details.validity.not_after.iso, lang)}</dd>
              <dt>{t('kc.serial')}</dt><dd className="mono small">{c.details.serial}</dd>
            </dl>
          ))}
        </div>
      )}
      {!importing && chain && (
        <>
          <h3>{t('gaps.keyCert.chain')}</h3>
          <ol className="chain-list" aria-label={t('gaps.keyCert.chain')} data-testid="key-chain">
            {chain.map((c, i) => (
              <li key={c.details.fingerprints.sha256} style={{ marginLeft: (chain.length - 1 - i) * 16 }}>
                <button type="button" className={'small-button' + (i === shown ? ' primary' : '')} aria-pressed={i === shown}
                  onClick={() => setShown(i)}>
                  {i === 0 ? t('gaps.keyCert.leaf') : c.details.self_issued ? t('gaps.keyCert.root') : t('gaps.keyCert.intermediate')}
                  {' · '}{cn(c.details)}
                </button>
              </li>
            )).reverse()}
          </ol>
          {!complete && <p className="notice notice-warn">{t('gaps.keyCert.incomplete')}</p>}
          <div data-testid="key-cert-details"><CertificateDetailsView d={chain[shown].details} /></div>
        </>
      )}
    </Dialog>
  );
}
