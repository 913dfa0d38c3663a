import { useEffect, useRef, useState, type FormEvent } from 'react';
import { api } from '../api/client';
import { ops, type SealKind } from '../api/operations';
import { blobBase64, sealOps, DOCMDP, type DocMdp, type Seal, type SealType } from '../api/seals';
import type { KeyInfo } from '../api/types';
import { DateTimeField } from '../components/DateTimeField';
import { Dialog } from '../components/Dialog';
import { parseDateTimeText } from '../format';
import { ErrorNotice } from '../components/ErrorNotice';
import { useObjectUrl } from '../components/useObjectUrl';
import { useI18n } from '../i18n/I18nContext';
import type { MessageKey } from '../i18n/dict';

const KINDS: { kind: SealKind; w: number; h: number }[] = [
  { kind: 'round', w: 42, h: 42 },
  { kind: 'oval', w: 45, h: 30 },
  { kind: 'square', w: 20, h: 20 },
  { kind: 'name', w: 18, h: 18 },
  { kind: 'name-rect', w: 22, h: 12 },
];
const DAY = 86_400_000;
const dateOnly = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Makes a seal: its picture from a template (live preview, as in the seal picture studio) or an uploaded
 *  cleaned PNG, the server signing keys it binds, validity, version and the DocMDP default. */
export function SealMakeDialog({ onClose, onMade }: { onClose(): void; onMade(s: Seal): void }) {
  const { t } = useI18n();
  const [name, setName] = useState('');
  const [owner, setOwner] = useState('');
  const [type, setType] = useState<SealType>('organisation');
  const [source, setSource] = useState<'template' | 'upload'>('template');
  const [kind, setKind] = useState<SealKind>('round');
  const [picName, setPicName] = useState('');
  const [text, setText] = useState('');
  const [upload, setUpload] = useState<File | null>(null);
  const [width, setWidth] = useState(42);
  const [height, setHeight] = useState(42);
  const [keys, setKeys] = useState<KeyInfo[] | null>(null);
  const [chosen, setChosen] = useState<string[]>([]);
  const [version, setVersion] = useState<2 | 4>(4);
  const [docmdp, setDocmdp] = useState<DocMdp>('none');
  const [start, setStart] = useState(dateOnly(Date.now()));
  const [end, setEnd] = useState(dateOnly(Date.now() + 3 * 365 * DAY));
  const [activate, setActivate] = useState(true);
  const [preview, setPreview] = useState<Blob | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const previewUrl = useObjectUrl(source === 'upload' ? upload : preview);
  const seq = useRef(0);

  useEffect(() => {
    api.listKeys().then((r) => {
      const signing = r.keys.filter((k) => k.certificate && /sign/.test(k.name) && !/^(dev-ca|seal-maker|tsa)/.test(k.name));
      setKeys(signing);
      setChosen((c) => (c.length ? c : signing.slice(0, 1).map((k) => k.name)));
    }, setError);
  }, []);

  // The template picture re-rendered as the options change (debounced, newest answer wins).
  const shownName = picName || owner || name;
  useEffect(() => {
    if (source !== 'template' || !shownName.trim()) return;
    const ctl = new AbortController();
    const my = ++seq.current;
    const timer = window.setTimeout(async () => {
      try {
        const arc = kind === 'round' || kind === 'oval';
        const pic = await ops.renderSeal({
          kind, name: shownName.trim(), text: arc ? text : undefined, width_mm: width,
          height_mm: kind === 'oval' || kind === 'name-rect' ? height : undefined, dpi: 150, star: kind === 'round' ? true : undefined,
        }, ctl.signal);
        if (my === seq.current) setPreview(pic.blob);
      } catch (e) {
        if (!ctl.signal.aborted && my === seq.current) setError(e);
      }
    }, 350);
    return () => { window.clearTimeout(timer); ctl.abort(); };
  }, [source, kind, shownName, text, width, height]);

  const chooseKind = (k: SealKind) => {
    const d = KINDS.find((x) => x.kind === k)!;
    setKind(k);
    setWidth(d.w);
    setHeight(d.h);
  };
  const chooseType = (v: SealType) => {
    setType(v);
    chooseKind(v === 'organisation' ? 'round' : 'name');
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (!name.trim()) throw new Error(t('seals.needName'));
      if (source === 'upload' && !upload) throw new Error(t('seals.needPicture'));
      if (!chosen.length) throw new Error(t('seals.needKey'));
      if (!parseDateTimeText(start, 'date') || !parseDateTimeText(end, 'date')) throw new Error(t('dt.invalidDate', { format: 'YYYY-MM-DD' }));
      const arc = kind === 'round' || kind === 'oval';
      const s = await sealOps.make({
        name: name.trim(), type, owner: owner.trim() || undefined, version, keys: chosen, docmdp, activate,
        width_mm: width, height_mm: kind === 'oval' || kind === 'name-rect' || source === 'upload' ? height : width,
        valid_start: new Date(start + 'T00:00:00Z').toISOString(), valid_end: new Date(end + 'T23:59:59Z').toISOString(),
        ...(source === 'template'
          ? { template: { kind, name: shownName.trim() || undefined, text: arc && text ? text : undefined, dpi: 300 } }
          : { picture_png: await blobBase64(upload!) }),
      });
      onMade(s);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const sizeFields = (
    <>
      <div className="field">
        <label htmlFor="mk-width">{t('seal.width')}</label>
        <input id="mk-width" type="number" min={10} max={80} value={width} onChange={(e) => setWidth(Number(e.target.value) || 10)} />
      </div>
      <div className="field">
        <label htmlFor="mk-height">{t('seal.height')}</label>
        <input id="mk-height" type="number" min={8} max={80} value={kind === 'oval' || kind === 'name-rect' || source === 'upload' ? height : width}
          disabled={source === 'template' && kind !== 'oval' && kind !== 'name-rect'} onChange={(e) => setHeight(Number(e.target.value) || 8)} />
      </div>
    </>
  );

  const toggleKey = (k: string, on: boolean) => setChosen((c) => (on ? [...c, k] : c.filter((x) => x !== k)));

  return (
    <Dialog title={t('seals.makeTitle')} wide onClose={onClose}>
      <form className="seal-make" onSubmit={(e) => void submit(e)} aria-label={t('seals.makeTitle')}>
        <div className="seal-make-fields">
          <div className="form-grid">
            <div className="field">
              <label htmlFor="mk-name">{t('seals.name')}</label>
              <input id="mk-name" value={name} maxLength={80} required placeholder={t('seals.namePlaceholder')} onChange={(e) => setName(e.target.value)} />
            </div>
            <div className="field">
              <label htmlFor="mk-owner">{t('seals.owner')}</label>
              <input id="mk-owner" value={owner} maxLength={80} placeholder={t('seals.ownerPlaceholder')} onChange={(e) => setOwner(e.target.value)} />
            </div>
            <div className="field">
              <label htmlFor="mk-type">{t('seals.type')}</label>
              <select id="mk-type" value={type} onChange={(e) => chooseType(e.target.value as SealType)}>
                <option value="organisation">{t('seals.type.organisation')}</option>
                <option value="personal">{t('seals.type.personal')}</option>
              </select>
            </div>
            <div className="field">
              <label htmlFor="mk-source">{t('seals.pictureSource')}</label>
              <select id="mk-source" value={source} onChange={(e) => setSource(e.target.value as 'template' | 'upload')}>
                <option value="template">{t('seals.fromTemplate')}</option>
                <option value="upload">{t('seals.fromUpload')}</option>
              </select>
            </div>
          </div>
          {source === 'template' ? (
            <>
              <div className="template-grid compact" role="radiogroup" aria-label={t('seal.template')}>
                {KINDS.map((k) => (
                  <label key={k.kind} className={'template-choice' + (kind === k.kind ? ' active' : '')}>
                    <input type="radio" name="mk-kind" value={k.kind} checked={kind === k.kind} onChange={() => chooseKind(k.kind)} />
                    <span className={`template-shape shape-${k.kind}`} aria-hidden="true" />
                    <span>{t(`seal.kind.${k.kind}` as MessageKey)}</span>
                  </label>
                ))}
              </div>
              <div className="form-grid">
                <div className="field">
                  <label htmlFor="mk-picname">{t('seals.pictureText')}</label>
                  <input id="mk-picname" value={picName} maxLength={60} placeholder={owner || name} onChange={(e) => setPicName(e.target.value)} />
                </div>
                {(kind === 'round' || kind === 'oval') && (
                  <div className="field">
                    <label htmlFor="mk-text">{t('seal.text')}</label>
                    <input id="mk-text" value={text} maxLength={20} placeholder={t('seals.textPlaceholder')} onChange={(e) => setText(e.target.value)} />
                  </div>
                )}
                {sizeFields}
              </div>
            </>
          ) : (
            <div className="field">
              <label htmlFor="mk-file">{t('seals.pictureFile')}</label>
              <input id="mk-file" type="file" accept="image/png" onChange={(e) => setUpload(e.target.files?.[0] ?? null)} />
              <div className="muted small">{t('seals.uploadHint')}</div>
            </div>
          )}
          {source === 'upload' && <div className="form-grid">{sizeFields}</div>}
          <fieldset className="field">
            <legend>{t('seals.bindKeys')}</legend>
            {keys === null && <span className="muted small">{t('common.loading')}</span>}
            {keys?.length === 0 && <span className="muted small">{t('seals.noKeys')}</span>}
            <div className="key-choices">
              {keys?.map((k) => (
                <label key={k.name} className="check-row">
                  <input type="checkbox" name="mk-key" value={k.name} checked={chosen.includes(k.name)} onChange={(e) => toggleKey(k.name, e.target.checked)} />
                  <span className="mono">{k.name}</span> <span className="algo">{(k.algorithm ?? '').toUpperCase()}</span>
                </label>
              ))}
            </div>
          </fieldset>
          <div className="form-grid">
            <DateTimeField id="mk-start" mode="date" required label={t('seals.validFrom')} value={start} onChange={setStart} />
            <DateTimeField id="mk-end" mode="date" required label={t('seals.validTo')} value={end} onChange={setEnd} />
            <div className="field">
              <label htmlFor="mk-version">{t('seals.version')}</label>
              <select id="mk-version" value={version} onChange={(e) => setVersion(Number(e.target.value) as 2 | 4)}>
                <option value={4}>{t('seals.version4')}</option>
                <option value={2}>{t('seals.version2')}</option>
              </select>
            </div>
            <div className="field">
              <label htmlFor="mk-docmdp">{t('seals.docmdp')}</label>
              <select id="mk-docmdp" value={docmdp} onChange={(e) => setDocmdp(e.target.value as DocMdp)}>
                {DOCMDP.map((d) => <option key={d} value={d}>{t(`seals.docmdp.${d}` as MessageKey)}</option>)}
              </select>
            </div>
          </div>
          <label className="check-row"><input type="checkbox" checked={activate} onChange={(e) => setActivate(e.target.checked)} /> {t('seals.activateNow')}</label>
        </div>
        <div className="seal-make-preview">
          <div className="checkerboard seal-stage small-stage">
            {previewUrl && <img src={previewUrl} alt={t('seal.previewAlt', { name: shownName })} data-testid="seal-make-preview" />}
          </div>
          <p className="muted small">{t('seals.previewNote')}</p>
        </div>
        <div className="seal-make-foot">
          <ErrorNotice error={error} />
          <div className="form-actions">
            <button type="button" onClick={onClose}>{t('common.cancel')}</button>
            <button type="submit" className="primary" disabled={busy}>{busy ? t('seals.making') : t('seals.makeSubmit')}</button>
          </div>
        </div>
      </form>
    </Dialog>
  );
}
