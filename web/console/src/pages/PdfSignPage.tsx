import { useCallback, useEffect, useRef, useState, type DragEvent, type KeyboardEvent, type PointerEvent } from 'react';
import type { PDFDocumentProxy } from 'pdfjs-dist';
import { api } from '../api/client';
import { sealOps, DOCMDP, type Certify, type PdfSignOptions, type Seal } from '../api/seals';
import type { TsaUnit } from '../api/types';
import { ErrorNotice } from '../components/ErrorNotice';
import { Icon } from '../components/Icon';
import { PageHeader } from '../components/PageHeader';
import { openPdf, PdfCanvas, type PageGeometry } from '../components/PdfCanvas';
import { downloadBlob } from '../format';
import { useI18n } from '../i18n/I18nContext';
import type { MessageKey } from '../i18n/dict';

const VIEW_WIDTH = 600; // CSS pixels: the page fits beside the options at 1366×768
const MM_PT = 72 / 25.4;
const round1 = (n: number) => Math.round(n * 10) / 10;

/** PDF stamping: open a PDF, choose a seal, drag it onto the page (or type page/x/y, or find a keyword),
 *  stamp on the server, download the signed PDF and see it re-rendered. */
export function PdfSignPage() {
  const { t } = useI18n();
  const [file, setFile] = useState<{ name: string; bytes: ArrayBuffer } | null>(null);
  const [doc, setDoc] = useState<PDFDocumentProxy | null>(null);
  const [pageNo, setPageNo] = useState(1);
  const [geo, setGeo] = useState<PageGeometry | null>(null);
  const [seals, setSeals] = useState<Seal[]>([]);
  const [sealId, setSealId] = useState('');
  const [units, setUnits] = useState<TsaUnit[]>([]);
  const [mode, setMode] = useState<'position' | 'keyword'>('position');
  const [pos, setPos] = useState({ x: 380, y: 340 }); // the seal's top-left corner, points on the page as displayed
  const [keyword, setKeyword] = useState('');
  const [occurrence, setOccurrence] = useState<'first' | 'last' | 'all'>('first');
  const [tsa, setTsa] = useState('');
  const [certify, setCertify] = useState<Certify | ''>('');
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [signed, setSigned] = useState<{ blob: Blob; name: string; field: string } | null>(null);
  const drag = useRef<{ dx: number; dy: number } | null>(null);
  const pageRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    sealOps.list({ state: 'active' }).then((s) => {
      setSeals(s);
      setSealId((cur) => cur || s[0]?.id || '');
    }, setError);
    api.tsaUnits().then((r) => setUnits(r.enabled ? r.units : []), () => setUnits([]));
  }, []);

  const seal = seals.find((s) => s.id === sealId);
  const sealPt = { w: (seal?.width_mm ?? 40) * MM_PT, h: (seal?.height_mm ?? 40) * MM_PT };

  const show = useCallback(async (bytes: ArrayBuffer) => {
    const d = await openPdf(bytes);
    setDoc(d);
    setPageNo((p) => Math.min(Math.max(1, p), d.numPages));
  }, []);
  useEffect(() => () => void doc?.destroy(), [doc]);
  useEffect(() => setGeo(null), [doc, pageNo]); // the new page's geometry arrives once it is drawn

  const chooseFile = async (f: File | undefined) => {
    if (!f) return;
    setError(null);
    setSigned(null);
    setDoc(null);
    setGeo(null);
    setPageNo(1);
    try {
      const bytes = await f.arrayBuffer();
      setFile({ name: f.name, bytes });
      setPageNo(1);
      await show(bytes);
    } catch (e) {
      setError(e);
      setDoc(null);
    }
  };

  // Keeps the seal on the page as displayed.
  const place = useCallback((x: number, y: number) => {
    if (!geo) return setPos({ x: round1(x), y: round1(y) });
    setPos({
      x: round1(Math.min(Math.max(0, x), Math.max(0, geo.widthPt - sealPt.w))),
      y: round1(Math.min(Math.max(0, y), Math.max(0, geo.heightPt - sealPt.h))),
    });
  }, [geo, sealPt.w, sealPt.h]);

  const pointFromEvent = (clientX: number, clientY: number) => {
    const r = pageRef.current!.getBoundingClientRect();
    const s = geo?.scale ?? 1;
    return { x: (clientX - r.left) / s, y: (clientY - r.top) / s };
  };
  const onPointerDown = (e: PointerEvent<HTMLDivElement>) => {
    const p = pointFromEvent(e.clientX, e.clientY);
    drag.current = { dx: p.x - pos.x, dy: p.y - pos.y };
    e.currentTarget.setPointerCapture(e.pointerId);
  };
  const onPointerMove = (e: PointerEvent<HTMLDivElement>) => {
    if (!drag.current) return;
    const p = pointFromEvent(e.clientX, e.clientY);
    place(p.x - drag.current.dx, p.y - drag.current.dy);
  };
  const onPointerUp = () => { drag.current = null; };
  const onKey = (e: KeyboardEvent<HTMLDivElement>) => {
    const step = e.shiftKey ? 20 : 2;
    const d = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] }[e.key];
    if (!d) return;
    e.preventDefault();
    place(pos.x + d[0], pos.y + d[1]);
  };
  // A seal dragged in from the side panel lands centred where it is dropped.
  const onDrop = (e: DragEvent<HTMLDivElement>) => {
    e.preventDefault();
    const p = pointFromEvent(e.clientX, e.clientY);
    place(p.x - sealPt.w / 2, p.y - sealPt.h / 2);
  };

  const stamp = async () => {
    if (!file || !seal) return;
    setBusy(true);
    setError(null);
    try {
      const o: PdfSignOptions = {
        seal: seal.id, tsa: tsa || undefined, certify: certify || undefined, reason: reason.trim() || undefined,
        ...(mode === 'keyword'
          ? { keyword: keyword.trim(), occurrence, page: 0 }
          : { page: pageNo, viewer_x: pos.x, viewer_y: pos.y }),
      };
      if (mode === 'keyword' && !o.keyword) throw new Error(t('pdf.needKeyword'));
      const r = await sealOps.signPdf(new Blob([file.bytes], { type: 'application/pdf' }), o);
      const name = file.name.replace(/\.pdf$/i, '') + '-signed.pdf';
      setSigned({ blob: r.blob, name, field: r.field });
      await show(await r.blob.arrayBuffer());
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const startOver = async () => {
    setSigned(null);
    if (file) await show(file.bytes);
  };

  const pages = doc?.numPages ?? 0;
  const s = geo?.scale ?? 1;

  return (
    <section>
      <PageHeader title={t('pdf.heading')} intro={t('pdf.intro')} />
      <ErrorNotice error={error} />
      {signed && (
        <div className="notice notice-ok" role="status" data-testid="pdf-signed">
          {t('pdf.signedNotice', { field: signed.field, name: signed.name })}{' '}
          <button type="button" className="small-button" onClick={() => downloadBlob(signed.name, signed.blob)}>
            <Icon name="download" size={14} /> {t('pdf.download')}
          </button>{' '}
          <button type="button" className="small-button" onClick={() => void startOver()}>{t('pdf.stampAgain')}</button>
        </div>
      )}
      <div className="pdf-workspace">
        <div className="card pdf-viewer-card">
          <div className="table-toolbar flush">
            <div className="field inline-file">
              <label htmlFor="pdf-file">{t('pdf.file')}</label>
              <input id="pdf-file" type="file" accept="application/pdf,.pdf" onChange={(e) => void chooseFile(e.target.files?.[0])} />
            </div>
            {pages > 0 && (
              <div className="pager" role="group" aria-label={t('pdf.pages')}>
                <button type="button" className="small-button" disabled={pageNo <= 1} onClick={() => setPageNo(pageNo - 1)} aria-label={t('pdf.prevPage')}>‹</button>
                <span data-testid="pdf-page-of">{t('pdf.pageOf', { n: pageNo, total: pages })}</span>
                <button type="button" className="small-button" disabled={pageNo >= pages} onClick={() => setPageNo(pageNo + 1)} aria-label={t('pdf.nextPage')}>›</button>
              </div>
            )}
          </div>
          <div className="pdf-stage">
            {!doc && <div className="pdf-empty muted"><Icon name="stamp" size={40} /><p>{t('pdf.empty')}</p></div>}
            {doc && (
              <div ref={pageRef} className="pdf-drop" onDragOver={(e) => e.preventDefault()} onDrop={onDrop}>
                <PdfCanvas doc={doc} pageNumber={pageNo} width={VIEW_WIDTH} onGeometry={setGeo}
                  label={t('pdf.pageLabel', { n: pageNo })}>
                  {!signed && mode === 'position' && seal && (
                    <div className="seal-overlay" role="button" tabIndex={0} data-testid="seal-overlay"
                      aria-label={`${t('pdf.sealPosition')}: ${t('pdf.positionText', { x: pos.x, y: pos.y })}`}
                      style={{ left: pos.x * s, top: pos.y * s, width: sealPt.w * s, height: sealPt.h * s }}
                      onPointerDown={onPointerDown} onPointerMove={onPointerMove} onPointerUp={onPointerUp} onKeyDown={onKey}>
                      <img src={sealOps.pictureUrl(seal.id)} alt="" draggable={false} />
                    </div>
                  )}
                </PdfCanvas>
              </div>
            )}
          </div>
        </div>

        <div className="card pdf-options">
          <h2>{t('pdf.seal')}</h2>
          <div className="field">
            <label htmlFor="pdf-seal">{t('pdf.chooseSeal')}</label>
            <select id="pdf-seal" value={sealId} onChange={(e) => setSealId(e.target.value)}>
              {seals.length === 0 && <option value="">{t('pdf.noSeals')}</option>}
              {seals.map((x) => <option key={x.id} value={x.id}>{x.name}</option>)}
            </select>
          </div>
          {seal && (
            <div className="pdf-seal-pick">
              <img src={sealOps.pictureUrl(seal.id)} alt={t('seals.pictureOf', { name: seal.name })} draggable
                onDragStart={(e) => e.dataTransfer.setData('text/plain', seal.id)} data-testid="seal-source" />
              <div className="small muted">
                {seal.certificates.map((c) => <div key={c.sha256}><span className="algo">{c.algorithm.toUpperCase()}</span> {c.key_name}</div>)}
                <div>{t('seals.sizeMm', { w: seal.width_mm, h: seal.height_mm })}</div>
                <div>{t('pdf.dragHint')}</div>
              </div>
            </div>
          )}

          <fieldset className="field">
            <legend>{t('pdf.placement')}</legend>
            <div className="segmented" role="radiogroup" aria-label={t('pdf.placement')}>
              <label className={mode === 'position' ? 'active' : ''}><input type="radio" name="pdf-mode" checked={mode === 'position'} onChange={() => setMode('position')} /> {t('pdf.mode.position')}</label>
              <label className={mode === 'keyword' ? 'active' : ''}><input type="radio" name="pdf-mode" checked={mode === 'keyword'} onChange={() => setMode('keyword')} /> {t('pdf.mode.keyword')}</label>
            </div>
          </fieldset>
          {mode === 'position' ? (
            <div className="form-grid three">
              <div className="field">
                <label htmlFor="pdf-page">{t('pdf.page')}</label>
                <input id="pdf-page" type="number" min={1} max={Math.max(1, pages)} value={pageNo}
                  onChange={(e) => setPageNo(Math.min(Math.max(1, Number(e.target.value) || 1), Math.max(1, pages)))} />
              </div>
              <div className="field">
                <label htmlFor="pdf-x">{t('pdf.x')}</label>
                <input id="pdf-x" type="number" step={1} value={pos.x} onChange={(e) => place(Number(e.target.value) || 0, pos.y)} />
              </div>
              <div className="field">
                <label htmlFor="pdf-y">{t('pdf.y')}</label>
                <input id="pdf-y" type="number" step={1} value={pos.y} onChange={(e) => place(pos.x, Number(e.target.value) || 0)} />
              </div>
              <p className="muted small span-all">{t('pdf.pointsHint')}</p>
            </div>
          ) : (
            <div className="form-grid">
              <div className="field">
                <label htmlFor="pdf-keyword">{t('pdf.keyword')}</label>
                <input id="pdf-keyword" value={keyword} maxLength={100} onChange={(e) => setKeyword(e.target.value)} />
              </div>
              <div className="field">
                <label htmlFor="pdf-occurrence">{t('pdf.occurrence')}</label>
                <select id="pdf-occurrence" value={occurrence} onChange={(e) => setOccurrence(e.target.value as 'first' | 'last' | 'all')}>
                  {(['first', 'last', 'all'] as const).map((o) => <option key={o} value={o}>{t(`pdf.occurrence.${o}` as MessageKey)}</option>)}
                </select>
              </div>
            </div>
          )}

          <h2>{t('pdf.options')}</h2>
          <div className="form-grid">
            <div className="field">
              <label htmlFor="pdf-tsa">{t('pdf.timestamp')}</label>
              <select id="pdf-tsa" value={tsa} onChange={(e) => setTsa(e.target.value)}>
                <option value="">{t('pdf.noTimestamp')}</option>
                {units.map((u) => <option key={u.name} value={u.default ? 'default' : u.name}>{u.name}{u.default ? ` (${t('pdf.defaultUnit')})` : ''}</option>)}
              </select>
            </div>
            <div className="field">
              <label htmlFor="pdf-certify">{t('pdf.certify')}</label>
              <select id="pdf-certify" value={certify} onChange={(e) => setCertify(e.target.value as Certify | '')}>
                <option value="">{t('pdf.certifySeal', { d: seal ? t(`seals.docmdp.${seal.docmdp}` as MessageKey) : '—' })}</option>
                {DOCMDP.map((d) => <option key={d} value={d}>{t(`seals.docmdp.${d}` as MessageKey)}</option>)}
              </select>
            </div>
          </div>
          <div className="field">
            <label htmlFor="pdf-reason">{t('pdf.reason')}</label>
            <input id="pdf-reason" value={reason} maxLength={200} placeholder={t('pdf.reasonPlaceholder')} onChange={(e) => setReason(e.target.value)} />
          </div>
          <div className="form-actions">
            <button type="button" className="primary" disabled={!file || !seal || busy || !!signed} onClick={() => void stamp()}>
              <Icon name="stamp" /> {busy ? t('pdf.stamping') : t('pdf.stamp')}
            </button>
          </div>
        </div>
      </div>
    </section>
  );
}
