import { useState, type FormEvent } from 'react';
import { ops, type CaAuthority } from '../api/operations';
import { Dialog } from '../components/Dialog';
import { ErrorNotice } from '../components/ErrorNotice';
import { useI18n } from '../i18n/I18nContext';

const ALGORITHMS = ['sm2', 'ecdsa-p256', 'ecdsa-p384', 'rsa-2048', 'rsa-3072', 'rsa-4096'];

/** Create a root CA, or an intermediate under an existing CA (its key is generated and sealed on the server). */
export function CaAuthorityDialog({ cas, onClose, onCreated }: { cas: CaAuthority[]; onClose(): void; onCreated(): void }) {
  const { t } = useI18n();
  const [name, setName] = useState('');
  const [subject, setSubject] = useState('C=CN, O=, CN=');
  const [parent, setParent] = useState(cas[0]?.name ?? '');
  const [algorithm, setAlgorithm] = useState('sm2');
  const [days, setDays] = useState(3650);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await ops.createAuthority({ name, subject, parent: parent || undefined, algorithm, days });
      onCreated();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog title={t('ca.newAuthority')} onClose={onClose}>
      <form onSubmit={(e) => void submit(e)} aria-label={t('ca.newAuthority')}>
        <div className="field">
          <label htmlFor="newca-name">{t('ca.name')}</label>
          <input id="newca-name" className="mono" pattern="[a-z0-9_\-]{1,32}" required value={name} onChange={(e) => setName(e.target.value)} />
          <div className="muted small">{t('ca.nameHint')}</div>
        </div>
        <div className="field">
          <label htmlFor="newca-subject">{t('ca.subject')}</label>
          <input id="newca-subject" required value={subject} onChange={(e) => setSubject(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="newca-parent">{t('ca.parent')}</label>
          <select id="newca-parent" value={parent} onChange={(e) => setParent(e.target.value)}>
            <option value="">{t('ca.noParent')}</option>
            {cas.map((c) => <option key={c.name} value={c.name}>{c.name}</option>)}
          </select>
        </div>
        <div className="form-grid">
          <div className="field">
            <label htmlFor="newca-alg">{t('keys.algorithm')}</label>
            <select id="newca-alg" value={algorithm} onChange={(e) => setAlgorithm(e.target.value)}>
              {ALGORITHMS.map((a) => <option key={a} value={a}>{a.toUpperCase()}</option>)}
            </select>
          </div>
          <div className="field">
            <label htmlFor="newca-days">{t('ca.days')}</label>
            <input id="newca-days" type="number" min={1} value={days} onChange={(e) => setDays(Number(e.target.value))} />
          </div>
        </div>
        <ErrorNotice error={error} />
        <div className="form-actions">
          <button type="button" onClick={onClose}>{t('common.cancel')}</button>
          <button type="submit" className="primary" disabled={busy}>{t('ca.create')}</button>
        </div>
      </form>
    </Dialog>
  );
}
