import { useEffect, useRef, useState } from 'react';
import { ApiError } from '../api/client';
import { ops, type SealKind, type SealRenderRequest } from '../api/operations';
import { ErrorNotice } from '../components/ErrorNotice';
import { Icon } from '../components/Icon';
import { PageHeader } from '../components/PageHeader';
import { downloadBlob } from '../format';
import { useI18n } from '../i18n/I18nContext';
import type { MessageKey } from '../i18n/dict';
import { SealCleanPanel } from './SealImageClean';
import { useObjectUrl } from '../components/useObjectUrl';

const KINDS: { kind: SealKind; size: number; height?: number }[] = [
  { kind: 'round', size: 42 },
  { kind: 'oval', size: 45, height: 30 },
  { kind: 'square', size: 20 },
  { kind: 'name', size: 18 },
  { kind: 'name-rect', size: 22, height: 12 },
];
const DEBOUNCE_MS = 350;

/** The seal picture studio: a template, its text and size, re-rendered live by the server; and scan cleanup. */
export function SealImagePage() {
  const { t } = useI18n();
  const [req, setReq] = useState<SealRenderRequest>({
    kind: 'round', name: '某某市人民医院', text: '电子签章专用', code: '4401000000001', width_mm: 42, star: true, worn: false,
  });
  const [png, setPng] = useState<Blob | null>(null);
  const [size, setSize] = useState<{ w: number; h: number } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const url = useObjectUrl(png);
  const seq = useRef(0);

  useEffect(() => {
    const ctl = new AbortController();
    const my = ++seq.current;
    setBusy(true);
    const timer = window.setTimeout(async () => {
      try {
        const arcKind = req.kind === 'round' || req.kind === 'oval';
        const body: SealRenderRequest = {
          ...req, name: req.name.trim(), dpi: 300,
          text: arcKind ? req.text : undefined, code: arcKind ? req.code : undefined,
          star: req.kind === 'round' ? req.star : undefined,
        };
        if (!body.name) throw new Error(t('seal.needName'));
        const pic = await ops.renderSeal(body, ctl.signal);
        if (my !== seq.current) return;
        setPng(pic.blob);
        setSize({ w: pic.widthMm, h: pic.heightMm });
        setError(null);
      } catch (e) {
        if (ctl.signal.aborted || my !== seq.current) return;
        setError(e);
      } finally {
        if (my === seq.current) setBusy(false);
      }
    }, DEBOUNCE_MS);
    return () => { window.clearTimeout(timer); ctl.abort(); };
  }, [req, t]);

  const set = (patch: Partial<SealRenderRequest>) => setReq((r) => ({ ...r, ...patch }));
  const chooseKind = (kind: SealKind) => {
    const k = KINDS.find((x) => x.kind === kind)!;
    const arc = kind === 'round' || kind === 'oval';
    set({
      kind, width_mm: k.size, height_mm: k.height, star: kind === 'round',
      name: arc ? (req.name.length > 4 ? req.name : '某某市人民医院') : req.name.length <= 4 ? req.name : '张三',
    });
  };
  const arc = req.kind === 'round' || req.kind === 'oval';
  const validationError = error instanceof ApiError ? error : null;

  return (
    <section>
      <PageHeader title={t('seal.heading')} intro={t('seal.intro')} />
      <div className="seal-studio">
        <form className="card seal-form" onSubmit={(e) => e.preventDefault()} aria-label={t('seal.options')}>
          <h2>{t('seal.template')}</h2>
          <div className="template-grid" role="radiogroup" aria-label={t('seal.template')}>
            {KINDS.map((k) => (
              <label key={k.kind} className={'template-choice' + (req.kind === k.kind ? ' active' : '')}>
                <input type="radio" name="seal-kind" value={k.kind} checked={req.kind === k.kind} onChange={() => chooseKind(k.kind)} />
                <span className={`template-shape shape-${k.kind}`} aria-hidden="true" />
                <span>{t(`seal.kind.${k.kind}` as MessageKey)}</span>
              </label>
            ))}
          </div>
          <div className="field">
            <label htmlFor="seal-name">{arc ? t('seal.orgName') : t('seal.personName')}</label>
            <input id="seal-name" value={req.name} maxLength={60} onChange={(e) => set({ name: e.target.value })} />
          </div>
          {arc && (
            <>
              <div className="field">
                <label htmlFor="seal-text">{t('seal.text')}</label>
                <input id="seal-text" value={req.text ?? ''} maxLength={20} onChange={(e) => set({ text: e.target.value })} />
              </div>
              <div className="field">
                <label htmlFor="seal-code">{t('seal.code')}</label>
                <input id="seal-code" className="mono" value={req.code ?? ''} maxLength={30} onChange={(e) => set({ code: e.target.value })} />
              </div>
            </>
          )}
          <div className="form-grid">
            <div className="field">
              <label htmlFor="seal-width">{t('seal.width')}</label>
              <input id="seal-width" type="number" min={10} max={80} step={1} value={req.width_mm ?? ''}
                onChange={(e) => set({ width_mm: Number(e.target.value) || undefined })} />
            </div>
            {(req.kind === 'oval' || req.kind === 'name-rect') && (
              <div className="field">
                <label htmlFor="seal-height">{t('seal.height')}</label>
                <input id="seal-height" type="number" min={8} max={80} step={1} value={req.height_mm ?? ''}
                  onChange={(e) => set({ height_mm: Number(e.target.value) || undefined })} />
              </div>
            )}
          </div>
          <div className="check-line">
            {req.kind === 'round' && (
              <label className="check-row"><input type="checkbox" checked={req.star ?? true} onChange={(e) => set({ star: e.target.checked })} /> {t('seal.star')}</label>
            )}
            <label className="check-row"><input type="checkbox" checked={req.worn ?? false} onChange={(e) => set({ worn: e.target.checked })} /> {t('seal.worn')}</label>
          </div>
        </form>

        <div className="card seal-preview-card">
          <div className="table-toolbar flush">
            <h2 className="table-title">{t('seal.preview')}</h2>
            <span className="muted small" data-testid="seal-size">
              {busy ? t('seal.rendering') : size ? t('seal.realSize', { w: size.w.toFixed(1), h: size.h.toFixed(1) }) : ''}
            </span>
          </div>
          <div className={'checkerboard seal-stage' + (busy ? ' busy' : '')}>
            {url && <img src={url} alt={t('seal.previewAlt', { name: req.name })} data-testid="seal-preview" />}
          </div>
          {validationError ? <ErrorNotice error={validationError} /> : error ? <ErrorNotice error={error} /> : null}
          <div className="form-actions">
            <button type="button" className="primary" disabled={!png}
              onClick={() => png && downloadBlob(`seal-${req.kind}.png`, png)}>
              <Icon name="download" /> {t('seal.downloadPng')}
            </button>
          </div>
          <p className="muted small">{t('seal.previewNote')}</p>
        </div>
      </div>

      <SealCleanPanel />
    </section>
  );
}
