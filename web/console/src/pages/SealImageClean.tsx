import { useState } from 'react';
import { ops } from '../api/operations';
import { ErrorNotice } from '../components/ErrorNotice';
import { Icon } from '../components/Icon';
import { downloadBlob } from '../format';
import { useI18n } from '../i18n/I18nContext';
import { useObjectUrl } from '../components/useObjectUrl';

/** Handwritten signature or red stamp cleanup: upload a photo or scan, see before and after, download. */
export function SealCleanPanel() {
  const { t } = useI18n();
  const [mode, setMode] = useState<'ink' | 'stamp'>('ink');
  const [colour, setColour] = useState('');
  const [source, setSource] = useState<File | null>(null);
  const [result, setResult] = useState<Blob | null>(null);
  const [specks, setSpecks] = useState(0);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const before = useObjectUrl(source);
  const after = useObjectUrl(result);

  const clean = async (file: File | null, m = mode, c = colour) => {
    setResult(null);
    setError(null);
    if (!file) return;
    setBusy(true);
    try {
      const r = await ops.cleanImage(file, m, c || undefined);
      setResult(r.blob);
      setSpecks(r.specks);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="card">
      <h2>{t('seal.cleanTitle')}</h2>
      <p className="muted small">{t('seal.cleanIntro')}</p>
      <div className="form-grid clean-controls">
        <div className="field">
          <label htmlFor="clean-file">{t('seal.cleanFile')}</label>
          <input id="clean-file" type="file" accept="image/png,image/jpeg"
            onChange={(e) => { const f = e.target.files?.[0] ?? null; setSource(f); void clean(f); }} />
        </div>
        <div className="field">
          <label htmlFor="clean-mode">{t('seal.cleanMode')}</label>
          <select id="clean-mode" value={mode} onChange={(e) => { const m = e.target.value as 'ink' | 'stamp'; setMode(m); void clean(source, m); }}>
            <option value="ink">{t('seal.mode.ink')}</option>
            <option value="stamp">{t('seal.mode.stamp')}</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="clean-colour">{t('seal.cleanColour')}</label>
          <select id="clean-colour" value={colour} onChange={(e) => { setColour(e.target.value); void clean(source, mode, e.target.value); }}>
            <option value="">{t('seal.colour.keep')}</option>
            <option value="black">{t('seal.colour.black')}</option>
            <option value="blue">{t('seal.colour.blue')}</option>
            <option value="red">{t('seal.colour.red')}</option>
          </select>
        </div>
      </div>
      <ErrorNotice error={error} />
      <div className="before-after">
        <figure>
          <figcaption>{t('seal.before')}</figcaption>
          <div className="clean-stage plain">{before ? <img src={before} alt={t('seal.before')} /> : <span className="muted small">{t('seal.noUpload')}</span>}</div>
        </figure>
        <figure>
          <figcaption>{t('seal.after')} {result && <span className="muted small">· {t('seal.specks', { n: specks })}</span>}</figcaption>
          <div className="clean-stage checkerboard">
            {busy && <span className="muted small">{t('seal.cleaning')}</span>}
            {after && <img src={after} alt={t('seal.after')} data-testid="clean-result" />}
          </div>
        </figure>
      </div>
      <div className="form-actions">
        <button type="button" className="primary" disabled={!result} onClick={() => result && downloadBlob('cleaned.png', result)}>
          <Icon name="download" /> {t('seal.downloadCleaned')}
        </button>
      </div>
    </div>
  );
}
