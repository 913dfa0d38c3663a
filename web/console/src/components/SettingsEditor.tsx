import { useState } from 'react';
import { api } from '../api/client';
import { downloadText } from '../format';
import { useI18n } from '../i18n/I18nContext';
import { ErrorNotice } from './ErrorNotice';
import { Icon } from './Icon';

/** Export, edit and import medsign.toml; the server validates before saving. */
export function SettingsEditor() {
  const { t } = useI18n();
  const [text, setText] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);

  const run = async (fn: () => Promise<void>) => {
    setError(null);
    setSaved(false);
    setBusy(true);
    try {
      await fn();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="card">
      <h2>{t('cfg.settings')}</h2>
      <div className="toolbar">
        <button type="button" onClick={() => run(async () => downloadText('medsign.toml', await api.exportSettings(), 'application/toml'))}>
          <Icon name="download" /> {t('cfg.export')}
        </button>
        <button type="button" onClick={() => run(async () => setText(await api.exportSettings()))}>
          {t('cfg.loadEditor')}
        </button>
        <label className="file-button">
          {t('cfg.chooseFile')}
          <input type="file" accept=".toml,text/plain" className="visually-hidden"
            onChange={async (e) => {
              const f = e.target.files?.[0];
              if (f) setText(await f.text());
            }} />
        </label>
      </div>
      <div className="field">
        <label htmlFor="settings-text">{t('cfg.editor')}</label>
        <textarea id="settings-text" className="code-editor" rows={14} spellCheck={false} value={text}
          onChange={(e) => setText(e.target.value)} />
      </div>
      {error ? <ErrorNotice error={error} prefix={t('cfg.invalid')} /> : null}
      {saved && <div className="notice notice-ok" role="status">✔ {t('cfg.saved')}</div>}
      <div className="form-actions">
        <button type="button" className="primary" disabled={busy || !text.trim()}
          onClick={() => run(async () => {
            await api.importSettings(text);
            setSaved(true);
          })}>
          {t('cfg.import')}
        </button>
      </div>
    </div>
  );
}
