import { useState, type FormEvent } from 'react';
import { api } from '../api/client';
import type { RestoreSummary } from '../api/types';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { ErrorNotice } from '../components/ErrorNotice';
import { Icon } from '../components/Icon';
import { PageHeader } from '../components/PageHeader';
import { downloadBlob } from '../format';
import { useI18n } from '../i18n/I18nContext';
import { useSession } from '../session/SessionContext';

const MIN_PASSPHRASE = 8;

const COMMANDS: { title: 'backup.create' | 'backup.restore' | 'backup.verify'; cmd: string }[] = [
  { title: 'backup.create', cmd: 'medsign backup /backup/medsign-$(date +%F).msbak --passphrase-file /root/backup.pass --data /var/lib/medsign' },
  { title: 'backup.restore', cmd: 'medsign restore /backup/medsign-2026-11-27.msbak --passphrase-file /root/backup.pass --data /srv/medsign-new' },
  { title: 'backup.verify', cmd: 'medsign audit verify --data /srv/medsign-new' },
];

type RestorePhase = 'idle' | 'uploading' | 'restarting' | 'back';

const sleep = (ms: number) => new Promise((r) => window.setTimeout(r, ms));

/** Waits until the node has gone down (or a few seconds passed) and answers /readyz again. */
async function waitForRestart(timeoutMs = 120000): Promise<boolean> {
  const start = Date.now();
  let wentDown = false;
  while (Date.now() - start < timeoutMs) {
    await sleep(500);
    const up = await api.ready();
    if (!up) wentDown = true;
    else if (wentDown || Date.now() - start > 3000) return true;
  }
  return false;
}

/** Uploads an archive and restores it in place; the server restarts, every session ends. */
function RestoreCard() {
  const { t } = useI18n();
  const { restored: endRestored, expectRestore } = useSession();
  const [file, setFile] = useState<File | null>(null);
  const [pass, setPass] = useState('');
  const [confirming, setConfirming] = useState(false);
  const [phase, setPhase] = useState<RestorePhase>('idle');
  const [progress, setProgress] = useState(0);
  const [summary, setSummary] = useState<RestoreSummary | null>(null);
  const [timedOut, setTimedOut] = useState(false);

  const ready = file !== null && pass.length >= MIN_PASSPHRASE && phase === 'idle';
  const restore = async () => {
    if (!file) return;
    setPhase('uploading');
    setProgress(0);
    try {
      expectRestore(true);  // the restore ends every session, possibly before its own answer arrives
      const s = await api.restoreBackup(file, file.name, pass, setProgress);
      setSummary(s);
      setPass('');
    } catch (e) {
      expectRestore(false);
      setPhase('idle');
      throw e;
    }
    setPhase('restarting');
    void (async () => {
      const back = await waitForRestart();
      setTimedOut(!back);
      setPhase('back');
      if (!back) return;
      await sleep(1500);
      // The restore ended every session: back to the sign-in page, which says why.
      endRestored();
    })();
  };

  return (
    <form className="card" onSubmit={(e) => { e.preventDefault(); if (ready) setConfirming(true); }}
      aria-labelledby="restore-title" data-testid="restore-card">
      <h2 id="restore-title">{t('restore.title')}</h2>
      <p className="muted small">{t('restore.intro')}</p>
      <div className="field">
        <label htmlFor="restore-file">{t('restore.file')}</label>
        <input id="restore-file" type="file" accept=".msbak,application/octet-stream" disabled={phase !== 'idle'}
          onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
      </div>
      <div className="field">
        <label htmlFor="restore-pass">{t('restore.passphrase')}</label>
        <input id="restore-pass" type="password" autoComplete="off" value={pass} minLength={MIN_PASSPHRASE}
          disabled={phase !== 'idle'} onChange={(e) => setPass(e.target.value)} />
      </div>
      {phase === 'uploading' && (
        <div className="notice notice-info" role="status" data-testid="restore-progress">
          {progress < 1 ? t('restore.uploading', { pct: Math.round(progress * 100) }) : t('restore.restoring')}
          <progress max={1} value={progress} style={{ width: '100%' }} />
        </div>
      )}
      {phase === 'restarting' && summary && (
        <div className="notice notice-info" role="status" data-testid="restore-restarting">
          ✔ {t('restore.done', { rows: summary.rows, files: summary.files, previous: summary.previous })}
          <br />⟳ {t('restore.waiting')}
        </div>
      )}
      {phase === 'back' && (
        <div className={`notice ${timedOut ? 'notice-warn' : 'notice-ok'}`} role="status" data-testid="restore-back">
          {timedOut ? t('restore.timeout') : t('restore.back')}
        </div>
      )}
      <div className="form-actions">
        <button type="submit" className="danger" disabled={!ready}>
          <Icon name="database" /> {t('restore.submit')}
        </button>
      </div>
      {confirming && file && (
        <ConfirmDialog title={t('restore.confirmTitle')} confirmLabel={t('restore.confirm')} danger
          onConfirm={restore} onClose={() => setConfirming(false)}>
          <p>{t('restore.confirmText', { name: file.name })}</p>
          <p className="muted small">{t('restore.confirmNote')}</p>
        </ConfirmDialog>
      )}
    </form>
  );
}

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
          <RestoreCard />
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
