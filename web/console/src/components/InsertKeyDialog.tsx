import { useState, type FormEvent } from 'react';
import { openSoftKey } from '../crypto/keyDevice';
import { WrongPinError } from '../crypto/pbes2';
import { useI18n } from '../i18n/I18nContext';
import { useSession } from '../session/SessionContext';
import { Dialog } from './Dialog';
import { ErrorNotice } from './ErrorNotice';
import { KeyFileField, type KeyFileValue } from './KeyFileField';

export function InsertKeyDialog({ onClose }: { onClose(): void }) {
  const { t } = useI18n();
  const { insertKey } = useSession();
  const [file, setFile] = useState<KeyFileValue | null>(null);
  const [pin, setPin] = useState('');
  const [error, setError] = useState<unknown>(null);
  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!file) return setError(new Error(t('login.needKey')));
    try {
      insertKey(await openSoftKey(file.name, file.pem, pin));
      onClose();
    } catch (err) {
      setError(err instanceof WrongPinError ? new Error(t('login.wrongPin')) : err);
    }
  }
  return (
    <Dialog title={t('key.insert')} onClose={onClose}>
      <form onSubmit={submit}>
        <KeyFileField value={file} onChange={setFile} />
        <div className="field">
          <label htmlFor="insert-pin">{t('login.keyPin')}</label>
          <input id="insert-pin" type="password" required value={pin} onChange={(e) => setPin(e.target.value)} />
        </div>
        <ErrorNotice error={error} />
        <div className="form-actions">
          <button type="button" onClick={onClose}>{t('common.cancel')}</button>
          <button type="submit" className="primary">{t('key.insert')}</button>
        </div>
      </form>
    </Dialog>
  );
}
