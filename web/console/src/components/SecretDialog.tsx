import { useState } from 'react';
import { downloadText } from '../format';
import { useI18n } from '../i18n/I18nContext';
import { Dialog } from './Dialog';
import { Icon } from './Icon';

interface Props {
  title: string;
  username: string;
  password: string;
  softKeyPem?: string;
  onClose(): void;
}

/** Shows a one-time password (and offers the soft key) exactly once. */
export function SecretDialog({ title, username, password, softKeyPem, onClose }: Props) {
  const { t } = useI18n();
  const [downloaded, setDownloaded] = useState(false);
  return (
    <Dialog title={title} onClose={onClose}
      footer={<button type="button" className="primary" onClick={onClose}>{t('common.close')}</button>}>
      <p className="notice notice-warn">{t('acct.otpNote')}</p>
      <dl className="kv">
        <dt>{t('acct.username')}</dt>
        <dd>{username}</dd>
        <dt>{t('acct.otp')}</dt>
        <dd><code className="secret" data-testid="one-time-password">{password}</code></dd>
      </dl>
      {softKeyPem && (
        <button type="button" onClick={() => {
          downloadText(`${username}.key.pem`, softKeyPem, 'application/x-pem-file');
          setDownloaded(true);
        }}>
          <Icon name="download" /> {downloaded ? t('acct.keyDownloaded') : t('acct.downloadKey')}
        </button>
      )}
    </Dialog>
  );
}
