import { useEffect, useState } from 'react';
import { api, ApiError } from '../api/client';
import { blobBase64, sealOps } from '../api/seals';
import type { KeyInfo } from '../api/types';
import { Dialog } from '../components/Dialog';
import { ErrorNotice } from '../components/ErrorNotice';
import { StatusBadge } from '../components/StatusBadge';
import { useObjectUrl } from '../components/useObjectUrl';
import { downloadText } from '../format';
import { useI18n } from '../i18n/I18nContext';
import type { MessageKey } from '../i18n/dict';
import { BatchError, readBatchFile, type BatchRow } from './sealBatch';

type Outcome = { ok: true; id: string } | { ok: false; message: string };

const DAY = 86_400_000;
const SAMPLE = 'name,type,owner,kind,text,keys,valid_end\n'
  + '某某市人民医院检验报告专用章,organisation,某某市人民医院,round,检验报告专用章,,\n'
  + '张三,personal,,name,,,\n';

/** Makes many seals at once from a CSV sheet or a ZIP (sheet + PNG pictures): the rows are checked and shown
 *  first, then made one by one through POST /api/v1/seals, each with its own outcome. */
export function SealBatchDialog({ onClose, onDone }: { onClose(): void; onDone(made: number): void }) {
  const { t } = useI18n();
  const [keys, setKeys] = useState<KeyInfo[]>([]);
  const [chosen, setChosen] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [rows, setRows] = useState<BatchRow[] | null>(null);
  const [outcomes, setOutcomes] = useState<Record<number, Outcome>>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const validEnd = new Date(Date.now() + 3 * 365 * DAY).toISOString().slice(0, 10);

  useEffect(() => {
    api.listKeys().then((r) => {
      const signing = r.keys.filter((k) => k.certificate && /sign/.test(k.name) && !/^(dev-ca|seal-maker|tsa)/.test(k.name));
      setKeys(signing);
      setChosen((c) => c || signing[0]?.name || '');
    }, setError);
  }, []);

  useEffect(() => {
    setRows(null);
    setOutcomes({});
    setError(null);
    if (!file) return;
    readBatchFile(file, chosen ? [chosen] : [], validEnd).then(setRows, (e) => {
      setError(e instanceof BatchError ? new Error(t(`gaps.batch.p.${e.code}` as MessageKey, { detail: e.detail })) : e);
    });
  }, [file, chosen, validEnd, t]);

  const ready = rows?.filter((r) => r.seal && !r.problem) ?? [];
  const made = Object.values(outcomes).filter((o) => o.ok).length;
  const failed = Object.values(outcomes).filter((o) => !o.ok).length;
  const finished = rows !== null && made + failed === ready.length && ready.length > 0;

  const run = async () => {
    setBusy(true);
    for (const r of ready) {
      if (outcomes[r.line]?.ok) continue;
      try {
        const seal = r.picture ? { ...r.seal!, picture_png: await blobBase64(r.picture) } : r.seal!;
        const s = await sealOps.make(seal);
        setOutcomes((o) => ({ ...o, [r.line]: { ok: true, id: s.id } }));
      } catch (e) {
        const message = e instanceof ApiError ? `${e.message} [${e.code}]` : e instanceof Error ? e.message : String(e);
        setOutcomes((o) => ({ ...o, [r.line]: { ok: false, message } }));
      }
    }
    setBusy(false);
  };

  const close = () => (made ? onDone(made) : onClose());
  return (
    <Dialog title={t('gaps.batch.title')} onClose={close} wide
      footer={<>
        <button type="button" onClick={close}>{t('common.close')}</button>
        <button type="button" className="primary" disabled={busy || !ready.length || finished} onClick={() => void run()}>
          {busy ? t('gaps.batch.running') : t('gaps.batch.run', { n: ready.length })}
        </button>
      </>}>
      <div className="seal-batch">
      <p className="muted small">{t('gaps.batch.intro')}</p>
      <div className="form-grid">
        <div className="field">
          <label htmlFor="batch-file">{t('gaps.batch.file')}</label>
          <input id="batch-file" type="file" accept=".csv,.zip,text/csv,application/zip" disabled={busy}
            onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
        </div>
        <div className="field">
          <label htmlFor="batch-key">{t('gaps.batch.defaultKey')}</label>
          <select id="batch-key" value={chosen} disabled={busy} onChange={(e) => setChosen(e.target.value)}>
            {keys.map((k) => <option key={k.name} value={k.name}>{k.name}{k.algorithm ? ` (${k.algorithm.toUpperCase()})` : ''}</option>)}
          </select>
        </div>
      </div>
      <p className="small">
        <button type="button" className="small-button" onClick={() => downloadText('seals-batch-sample.csv', '\uFEFF' + SAMPLE, 'text/csv')}>
          {t('gaps.batch.sample')}
        </button>{' '}
        <span className="muted">{t('gaps.batch.columns')}</span>
      </p>
      <ErrorNotice error={error} />
      {rows && (
        <>
          <p data-testid="batch-summary" role="status">
            {t('gaps.batch.summary', { n: rows.length, ready: ready.length, made, failed })}
          </p>
          <div className="scroll-table">
            <table className="data-table" aria-label={t('gaps.batch.rows')}>
              <thead>
                <tr>
                  <th scope="col">{t('gaps.batch.line')}</th>
                  <th scope="col">{t('seals.picture')}</th>
                  <th scope="col">{t('seals.name')}</th>
                  <th scope="col">{t('seals.type')}</th>
                  <th scope="col">{t('seals.owner')}</th>
                  <th scope="col">{t('gaps.batch.keys')}</th>
                  <th scope="col">{t('gaps.batch.outcome')}</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <BatchRowView key={r.line} row={r} outcome={outcomes[r.line]} />
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
      </div>
    </Dialog>
  );
}

function BatchRowView({ row, outcome }: { row: BatchRow; outcome?: Outcome }) {
  const { t } = useI18n();
  const url = useObjectUrl(row.picture ?? null);
  const s = row.seal;
  return (
    <tr data-batch-line={row.line}>
      <td className="mono">{row.line}</td>
      <td>{url ? <img className="seal-thumb" src={url} alt={t('seals.pictureOf', { name: s?.name ?? '' })} />
        : s?.template ? <span className="muted small">{t('gaps.batch.template', { kind: s.template.kind })}</span> : '—'}</td>
      <td>{s?.name ?? '—'}</td>
      <td>{s ? t(`seals.type.${s.type}` as MessageKey) : '—'}</td>
      <td>{s?.owner ?? '—'}</td>
      <td className="mono small">{s?.keys?.join(', ') ?? '—'}</td>
      <td data-testid="batch-outcome">
        {row.problem ? <StatusBadge tone="bad">{t(`gaps.batch.p.${row.problem.code}` as MessageKey, { detail: row.problem.detail })}</StatusBadge>
          : outcome?.ok ? <StatusBadge tone="ok">{t('gaps.batch.made')}</StatusBadge>
          : outcome ? <StatusBadge tone="bad">{outcome.message}</StatusBadge>
          : <StatusBadge tone="neutral">{t('gaps.batch.pending')}</StatusBadge>}
      </td>
    </tr>
  );
}
