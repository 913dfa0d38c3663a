import { useEffect, useState } from 'react';
import { api } from '../api/client';
import { CertificateDetailsView, type CertificateDetails } from '../components/CertificateDetailsView';
import { Dialog } from '../components/Dialog';
import { ErrorNotice } from '../components/ErrorNotice';
import { Icon } from '../components/Icon';
import { downloadText } from '../format';
import { useI18n } from '../i18n/I18nContext';

interface ChainEntry { pem: string; details: CertificateDetails }

/** A key-store key's certificate chain (leaf first, issuers the key store holds): pick a certificate to see every
 *  field; export the certificate or the whole chain as PEM. */
export function KeyCertificateDialog({ name, onClose }: { name: string; onClose(): void }) {
  const { t } = useI18n();
  const [chain, setChain] = useState<ChainEntry[] | null>(null);
  const [complete, setComplete] = useState(true);
  const [shown, setShown] = useState(0);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    api.keyCertificate(name).then((r) => {
      setChain(r.chain as ChainEntry[]);
      setComplete(r.complete);
    }, setError);
  }, [name]);
  const cn = (d: CertificateDetails) => /CN=([^,]+)/.exec(d.subject.dn)?.[1] ?? d.subject.dn;
  return (
    <Dialog title={t('gaps.keyCert.title', { name })} onClose={onClose} wide
      footer={chain && <>
        <button type="button" onClick={() => downloadText(`${name}.pem`, chain[0].pem, 'application/x-pem-file')}>
          <Icon name="download" /> {t('gaps.keyCert.exportLeaf')}
        </button>
        <button type="button" className="primary"
          onClick={() => downloadText(`${name}-chain.pem`, chain.map((c) => c.pem).join(''), 'application/x-pem-file')}>
          <Icon name="download" /> {t('gaps.keyCert.exportChain')}
        </button>
      </>}>
      <ErrorNotice error={error} />
      {chain && (
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
