import { useCallback, useEffect, useState } from 'react';
import { ops, type PkiCertificate } from '../api/operations';
import { CertificateFacts } from '../components/CertificateFacts';
import { CertificateInput } from '../components/CertificateInput';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { Dialog } from '../components/Dialog';
import { ErrorNotice } from '../components/ErrorNotice';
import { Icon } from '../components/Icon';
import { ValidityBadge } from '../components/ValidityBadge';
import { downloadText, formatTime } from '../format';
import { useI18n } from '../i18n/I18nContext';

/** The common name of a distinguished name, or the whole name. */
export function commonName(dn: string): string {
  return /(?:^|,\s*)CN=([^,]+)/.exec(dn)?.[1] ?? dn;
}

/** Trust anchors or intermediate CA certificates: list, import (PEM or DER), details, remove. */
export function TrustAnchorsPanel({ kind }: { kind: 'anchor' | 'intermediate' }) {
  const { t, lang } = useI18n();
  const [list, setList] = useState<PkiCertificate[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [importing, setImporting] = useState(false);
  const [details, setDetails] = useState<PkiCertificate | null>(null);
  const [removing, setRemoving] = useState<PkiCertificate | null>(null);
  const load = useCallback(
    () => (kind === 'anchor' ? ops.anchors() : ops.intermediates()).then((l) => { setList(l); setError(null); }, setError),
    [kind],
  );
  useEffect(() => void load(), [load]);
  const title = kind === 'anchor' ? t('trust.anchors') : t('trust.intermediates');

  return (
    <div className="card table-card" data-testid={`${kind}-card`}>
      <div className="table-toolbar">
        <div>
          <h2 className="table-title">{title}</h2>
          <div className="muted small">{kind === 'anchor' ? t('trust.anchorsHint') : t('trust.intermediatesHint')}</div>
        </div>
        <button type="button" className={kind === 'anchor' ? 'primary' : ''} onClick={() => setImporting(true)}>
          <Icon name="plus" /> {kind === 'anchor' ? t('trust.importAnchor') : t('trust.importIntermediate')}
        </button>
      </div>
      <ErrorNotice error={error} />
      <div className="scroll-table">
        <table className="data-table" aria-label={title}>
          <thead>
            <tr>
              <th scope="col">{t('keys.subject')}</th>
              <th scope="col">{t('keys.algorithm')}</th>
              <th scope="col">{t('keys.validity')}</th>
              <th scope="col">{t('keys.fingerprint')}</th>
              <th scope="col">{t('trust.addedBy')}</th>
              <th scope="col">{t('common.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {list?.length === 0 && <tr><td colSpan={6} className="empty">{kind === 'anchor' ? t('trust.noAnchors') : t('trust.noIntermediates')}</td></tr>}
            {list?.map((c) => (
              <tr key={c.fingerprint} data-fingerprint={c.fingerprint}>
                <td><strong>{commonName(c.subject)}</strong><div className="dn muted small">{c.subject}</div></td>
                <td><span className="algo">{c.algorithm.toUpperCase()}</span></td>
                <td className="nowrap small">{formatTime(c.not_after, lang)}<div><ValidityBadge notAfter={c.not_after} notBefore={c.not_before} /></div></td>
                <td className="mono small" title={c.fingerprint}>{c.fingerprint.slice(0, 16)}…</td>
                <td className="small">{c.added_by || '—'}<div className="muted">{formatTime(c.added_at ?? undefined, lang)}</div></td>
                <td>
                  <div className="row-actions">
                    <button type="button" className="small-button" onClick={() => setDetails(c)}>
                      <Icon name="eye" size={14} /> {t('tsa.details')}
                    </button>
                    <button type="button" className="small-button danger-outline" onClick={() => setRemoving(c)}>{t('trust.remove')}</button>
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {importing && <ImportDialog kind={kind} onClose={() => setImporting(false)} onDone={() => { setImporting(false); void load(); }} />}
      {details && (
        <Dialog title={commonName(details.subject)} wide onClose={() => setDetails(null)}
          footer={<button type="button" onClick={() => downloadText(`${details.fingerprint.slice(0, 16)}.pem`, details.pem, 'application/x-pem-file')}>
            <Icon name="download" /> {t('trust.downloadPem')}</button>}>
          <div data-testid="cert-details"><CertificateFacts c={details} /></div>
        </Dialog>
      )}
      {removing && (
        <ConfirmDialog title={t('trust.removeTitle')} danger confirmLabel={t('trust.remove')}
          onConfirm={async () => {
            await (kind === 'anchor' ? ops.removeAnchor(removing.fingerprint) : ops.removeIntermediate(removing.fingerprint));
            await load();
          }}
          onClose={() => setRemoving(null)}>
          <p>{t('trust.removeConfirm', { name: commonName(removing.subject) })}</p>
        </ConfirmDialog>
      )}
    </div>
  );
}

function ImportDialog({ kind, onClose, onDone }: { kind: 'anchor' | 'intermediate'; onClose(): void; onDone(): void }) {
  const { t } = useI18n();
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      await (kind === 'anchor' ? ops.addAnchors(text) : ops.addIntermediates(text));
      onDone();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog title={kind === 'anchor' ? t('trust.importAnchor') : t('trust.importIntermediate')} wide onClose={onClose}
      footer={<>
        <button type="button" onClick={onClose}>{t('common.cancel')}</button>
        <button type="button" className="primary" disabled={busy || !text} onClick={() => void submit()}>{t('trust.import')}</button>
      </>}>
      <p className="muted small">{t('trust.importHint')}</p>
      <CertificateInput id="anchor-upload" label={t('trust.certFile')} accept=".pem,.crt,.cer,.der" onChange={setText} />
      <ErrorNotice error={error} />
    </Dialog>
  );
}
