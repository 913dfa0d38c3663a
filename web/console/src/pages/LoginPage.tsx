import { useState, type FormEvent } from 'react';
import { ApiError } from '../api/client';
import { openSoftKey } from '../crypto/keyDevice';
import { WrongPinError } from '../crypto/pbes2';
import { useI18n } from '../i18n/I18nContext';
import { useSession } from '../session/SessionContext';
import { BrandMark } from '../components/BrandMark';
import { ErrorNotice } from '../components/ErrorNotice';
import { KeyFileField, type KeyFileValue } from '../components/KeyFileField';
import { LanguageSwitch } from '../components/LanguageSwitch';
import { Icon } from '../components/Icon';

export function LoginPage() {
  const { t } = useI18n();
  const { login, endNotice } = useSession();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [keyFile, setKeyFile] = useState<KeyFileValue | null>(null);
  const [pin, setPin] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    if (!keyFile) return setError(new Error(t('login.needKey')));
    setBusy(true);
    try {
      const device = await openSoftKey(keyFile.name, keyFile.pem, pin);
      await login(username.trim(), password, device);
    } catch (err) {
      setError(err instanceof WrongPinError ? new Error(t('login.wrongPin')) : err);
    } finally {
      setBusy(false);
    }
  }

  const noticeTone = endNotice === 'login.keyRemovedNotice' ? 'notice-warn' : 'notice-info';
  return (
    <div className="login-screen">
      <div className="login-top">
        <LanguageSwitch />
      </div>
      <div className="login-card">
        <div className="login-brand">
          <BrandMark size={44} />
          <div>
            <div className="brand-name">{t('app.title')}</div>
            <div className="muted">{t('app.subtitle')}</div>
          </div>
        </div>
        <h1>{t('login.heading')}</h1>
        <p className="muted">{t('login.intro')}</p>
        {endNotice && (
          <div className={`notice ${noticeTone}`} role="status" data-testid="login-notice">
            {t(endNotice)}
          </div>
        )}
        <form onSubmit={submit} aria-label={t('login.heading')}>
          <div className="field">
            <label htmlFor="login-username">{t('login.username')}</label>
            <input id="login-username" name="username" autoComplete="username" required value={username}
              onChange={(e) => setUsername(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor="login-password">{t('login.password')}</label>
            <input id="login-password" name="password" type="password" autoComplete="current-password" required
              value={password} onChange={(e) => setPassword(e.target.value)} />
          </div>
          <fieldset className="key-fieldset">
            <legend><Icon name="lock" size={14} /> {t('key.device')}</legend>
            <KeyFileField value={keyFile} onChange={setKeyFile} />
            <div className="field">
              <label htmlFor="login-pin">{t('login.keyPin')}</label>
              <input id="login-pin" name="pin" type="password" autoComplete="off" required value={pin}
                onChange={(e) => setPin(e.target.value)} />
            </div>
          </fieldset>
          {error instanceof ApiError || error ? <ErrorNotice error={error} /> : null}
          <button type="submit" className="primary block" disabled={busy}>
            {busy ? t('login.working') : t('login.submit')}
          </button>
        </form>
        <p className="login-footer">{t('login.footer')}</p>
      </div>
    </div>
  );
}
