import { useState, type FormEvent } from 'react';
import { api } from '../api/client';
import { ErrorNotice } from '../components/ErrorNotice';
import { Icon } from '../components/Icon';
import { PageHeader } from '../components/PageHeader';
import { downloadBlob } from '../format';
import { useI18n } from '../i18n/I18nContext';

const MIN_PASSPHRASE = 8;

const COMMANDS: { title: 'backup.create' | 'backup.restore' | 'backup.verify'; cmd: string }[] = [
  { title: 'backup.create', cmd: 'medsign backup /backup/medsign-$(date +%F).msbak --passphrase-file /root/backup.pass --data /var/lib/medsign' },
  { title: 'backup.restore', cmd: 'medsign restore /backup/medsign-2026-11-27.msbak --passphrase-file /root/backup.pass --data /srv/medsign-new' },
  { title: 'backup.verify', cmd: 'medsign audit verify --data /srv/medsign-new' },
];

export function BackupPage() {
  const { t } = useI18n();
  const [pass, setPass] = useState('');
  const [repeat, setRepeat] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<{ name: string; size: number } | null>(null);

  const mismatch = repeat !== '' && pass !== repeat;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (pass.length < MIN_PASSPHRASE || pass !== repeat) return;
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      const { blob, filename } = await api.downloadBackup(pass);
      downloadBlob(filename, blob);
      setDone({ name: filename, size: blob.size });
      setPass('');
      setRepeat('');
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section>
      <PageHeader title={t('backup.heading')} intro={t('backup.intro')} />
      <div className="backup-grid">
        <form className="card" onSubmit={submit} aria-labelledby="backup-download-title">
          <h2 id="backup-download-title">{t('backup.download')}</h2>
          <p className="muted small">{t('backup.downloadIntro')}</p>
          <div className="field">
            <label htmlFor="backup-pass">{t('backup.passphrase')}</label>
            <input id="backup-pass" type="password" autoComplete="new-password" value={pass} minLength={MIN_PASSPHRASE}
              onChange={(e) => setPass(e.target.value)} aria-describedby="backup-pass-hint" />
            <span id="backup-pass-hint" className="hint muted">{t('backup.passHint', { n: MIN_PASSPHRASE })}</span>
          </div>
          <div className="field">
            <label htmlFor="backup-repeat">{t('backup.passRepeat')}</label>
            <input id="backup-repeat" type="password" autoComplete="new-password" value={repeat}
              onChange={(e) => setRepeat(e.target.value)} aria-invalid={mismatch} />
            {mismatch && <span className="hint error-text">{t('password.mismatch')}</span>}
          </div>
          <ErrorNotice error={error} />
          {done && (
            <div className="notice notice-ok" role="status" data-testid="backup-done">
              ✔ {t('backup.done', { name: done.name, size: (done.size / 1024).toFixed(1) })}
            </div>
          )}
          <div className="form-actions">
            <button type="submit" className="primary" disabled={busy || pass.length < MIN_PASSPHRASE || pass !== repeat}>
              <Icon name="download" /> {busy ? t('backup.working') : t('backup.submit')}
            </button>
          </div>
        </form>
        <div>
          {COMMANDS.map((c) => (
            <div className="card" key={c.title}>
              <h2>{t(c.title)}</h2>
              <pre className="command" tabIndex={0}>$ {c.cmd}</pre>
            </div>
          ))}
          <p className="muted">ⓘ {t('backup.note')}</p>
        </div>
      </div>
    </section>
  );
}
