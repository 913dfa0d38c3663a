import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { sealOps, SEAL_STATES, type Seal, type SealQuery, type SealState } from '../api/seals';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { Dialog } from '../components/Dialog';
import { ErrorNotice } from '../components/ErrorNotice';
import { Icon } from '../components/Icon';
import { PageHeader } from '../components/PageHeader';
import { StatusBadge, type Tone } from '../components/StatusBadge';
import { formatTime } from '../format';
import { useI18n } from '../i18n/I18nContext';
import type { MessageKey } from '../i18n/dict';
import { SealGrantsDialog } from './SealGrantsDialog';
import { SealHistoryTimeline } from './SealHistoryTimeline';
import { SealBatchDialog } from './SealBatchDialog';
import { SealMakeDialog } from './SealMakeDialog';
import { commonName } from './TrustAnchorsPanel';

const STATE_TONE: Record<SealState, Tone> = { made: 'info', active: 'ok', suspended: 'warn', revoked: 'bad' };

export function SealStateBadge({ state }: { state: SealState }) {
  const { t } = useI18n();
  return <StatusBadge tone={STATE_TONE[state] ?? 'neutral'}>{t(`seals.state.${state}` as MessageKey)}</StatusBadge>;
}

type Action = { kind: 'suspend' | 'revoke' | 'resume' | 'activate'; seal: Seal };

/** Electronic seals (operators): the list with filters, details, making a seal, lifecycle, authorisations. */
export function SealsPage() {
  const { t, lang } = useI18n();
  const [query, setQuery] = useState<SealQuery>({});
  const [seals, setSeals] = useState<Seal[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState('');
  const [making, setMaking] = useState(false);
  const [batch, setBatch] = useState(false);
  const [details, setDetails] = useState<Seal | null>(null);
  const [action, setAction] = useState<Action | null>(null);
  const [granting, setGranting] = useState<Seal | null>(null);

  const load = useCallback(async () => {
    try {
      setSeals(await sealOps.list(query));
      setError(null);
    } catch (e) {
      setError(e);
    }
  }, [query]);
  useEffect(() => void load(), [load]);

  const done = (s: Seal, key: MessageKey) => {
    setNotice(t(key, { name: s.name }));
    if (details?.id === s.id) setDetails(s);
    void load();
  };

  return (
    <section>
      <PageHeader title={t('seals.heading')} intro={t('seals.intro')}
        actions={<>
          <button type="button" className="primary" onClick={() => setMaking(true)}><Icon name="plus" /> {t('seals.make')}</button>
          <button type="button" onClick={() => setBatch(true)}>{t('gaps.batch.open')}</button>
          <button type="button" onClick={() => void load()}>{t('common.refresh')}</button>
        </>} />
      <ErrorNotice error={error} />
      {notice && <div className="notice notice-ok" role="status" data-testid="seals-notice">{notice}</div>}

      <SealFilter onSearch={setQuery} />
      <div className="card table-card">
        <div className="table-toolbar">
          <strong data-testid="seals-total">{t('seals.total', { n: seals?.length ?? 0 })}</strong>
        </div>
        <div className="scroll-table">
          <table className="data-table" aria-label={t('seals.list')}>
            <thead>
              <tr>
                <th scope="col">{t('seals.picture')}</th>
                <th scope="col">{t('seals.name')}</th>
                <th scope="col">{t('seals.type')}</th>
                <th scope="col">{t('seals.certificates')}</th>
                <th scope="col">{t('seals.validity')}</th>
                <th scope="col">{t('acct.status')}</th>
                <th scope="col">{t('common.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {seals?.length === 0 && <tr><td colSpan={7} className="empty">{t('seals.none')}</td></tr>}
              {seals?.map((s) => (
                <tr key={s.id} data-seal={s.id} data-seal-name={s.name}>
                  <td><img className="seal-thumb" src={sealOps.pictureUrl(s.id)} alt={t('seals.pictureOf', { name: s.name })} /></td>
                  <td><strong>{s.name}</strong>
                    <div className="muted small">{s.owner}</div>
                    <div className="mono small muted" title={s.id}>{s.id}</div></td>
                  <td className="small">{t(`seals.type.${s.type}` as MessageKey)}
                    <div className="muted">{t('seals.versionShort', { v: s.version === 2 ? 'GM/T 0031' : 'GB/T 38540' })}</div></td>
                  <td className="small">
                    {s.certificates.map((c) => (
                      <div key={c.sha256}><span className="algo">{c.algorithm.toUpperCase()}</span> {c.key_name || commonName(c.subject)}</div>
                    ))}
                  </td>
                  <td className="nowrap small">{formatTime(s.valid_start, lang)}<br />→ {formatTime(s.valid_end, lang)}</td>
                  <td><SealStateBadge state={s.state} />
                    {s.state_reason && <div className="muted small clip" title={s.state_reason}>{s.state_reason}</div>}</td>
                  <td>
                    <div className="row-actions">
                      <button type="button" className="small-button" onClick={() => setDetails(s)}
                        aria-label={`${t('ca.details')} ${s.name}`}><Icon name="eye" size={14} /> {t('ca.details')}</button>
                      {s.state === 'made' && <button type="button" className="small-button" onClick={() => setAction({ kind: 'activate', seal: s })}>{t('seals.activate')}</button>}
                      {s.state === 'active' && <button type="button" className="small-button" onClick={() => setAction({ kind: 'suspend', seal: s })}>{t('seals.suspend')}</button>}
                      {s.state === 'suspended' && <button type="button" className="small-button" onClick={() => setAction({ kind: 'resume', seal: s })}>{t('seals.resume')}</button>}
                      {s.state !== 'revoked' && <button type="button" className="small-button" onClick={() => setGranting(s)}>{t('seals.grants')}</button>}
                      {s.state !== 'revoked' && <button type="button" className="small-button danger-outline" onClick={() => setAction({ kind: 'revoke', seal: s })}>{t('seals.revoke')}</button>}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>

      {batch && <SealBatchDialog onClose={() => setBatch(false)}
        onDone={(n) => { setBatch(false); setNotice(t('gaps.batch.notice', { n })); void load(); }} />}
      {making && <SealMakeDialog onClose={() => setMaking(false)} onMade={(s) => { setMaking(false); done(s, 'seals.madeNotice'); }} />}
      {action && <LifecycleDialog action={action} onClose={() => setAction(null)} onDone={(s, key) => done(s, key)} />}
      {granting && <SealGrantsDialog seal={granting} onClose={() => setGranting(null)} />}
      {details && <SealDetailsDialog seal={details} onClose={() => setDetails(null)} />}
    </section>
  );
}

function SealFilter({ onSearch }: { onSearch(q: SealQuery): void }) {
  const { t } = useI18n();
  const [state, setState] = useState('');
  const [type, setType] = useState('');
  const [owner, setOwner] = useState('');
  const [name, setName] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onSearch({
      state: (state || undefined) as SealQuery['state'], type: (type || undefined) as SealQuery['type'],
      owner: owner.trim() || undefined, name: name.trim() || undefined,
    });
  };
  return (
    <form className="card filter-bar filter-bar-4" onSubmit={submit} aria-label={t('seals.search')}>
      <div className="field">
        <label htmlFor="seal-f-name">{t('seals.nameContains')}</label>
        <input id="seal-f-name" type="search" value={name} onChange={(e) => setName(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="seal-f-owner">{t('seals.owner')}</label>
        <input id="seal-f-owner" type="search" value={owner} onChange={(e) => setOwner(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="seal-f-state">{t('acct.status')}</label>
        <select id="seal-f-state" value={state} onChange={(e) => setState(e.target.value)}>
          <option value="">{t('audit.any')}</option>
          {SEAL_STATES.map((s) => <option key={s} value={s}>{t(`seals.state.${s}` as MessageKey)}</option>)}
        </select>
      </div>
      <div className="field">
        <label htmlFor="seal-f-type">{t('seals.type')}</label>
        <select id="seal-f-type" value={type} onChange={(e) => setType(e.target.value)}>
          <option value="">{t('audit.any')}</option>
          <option value="organisation">{t('seals.type.organisation')}</option>
          <option value="personal">{t('seals.type.personal')}</option>
        </select>
      </div>
      <div className="filter-actions">
        <button type="submit" className="primary">{t('audit.search')}</button>
      </div>
    </form>
  );
}

function LifecycleDialog({ action, onClose, onDone }: { action: Action; onClose(): void; onDone(s: Seal, key: MessageKey): void }) {
  const { t } = useI18n();
  const [reason, setReason] = useState('');
  const { kind, seal } = action;
  const needsReason = kind === 'suspend' || kind === 'revoke';
  const run = async () => {
    if (needsReason && !reason.trim()) throw new Error(t('seals.reasonRequired'));
    const s = kind === 'suspend' ? await sealOps.suspend(seal.id, reason.trim())
      : kind === 'revoke' ? await sealOps.revoke(seal.id, reason.trim())
        : kind === 'resume' ? await sealOps.resume(seal.id) : await sealOps.activate(seal.id);
    onDone(s, `seals.${kind}Notice` as MessageKey);
  };
  return (
    <ConfirmDialog title={t(`seals.${kind}Title` as MessageKey)} danger={kind === 'revoke'}
      confirmLabel={t(`seals.${kind}` as MessageKey)} onClose={onClose} onConfirm={run}>
      {kind === 'revoke' && <p className="notice notice-warn">{t('seals.revokeWarning')}</p>}
      <div className="seal-confirm">
        <img className="seal-thumb" src={sealOps.pictureUrl(seal.id)} alt="" />
        <dl className="kv">
          <dt>{t('seals.name')}</dt><dd>{seal.name}</dd>
          <dt>{t('seals.id')}</dt><dd className="mono small">{seal.id}</dd>
          <dt>{t('acct.status')}</dt><dd><SealStateBadge state={seal.state} /></dd>
        </dl>
      </div>
      {needsReason && (
        <div className="field">
          <label htmlFor="seal-reason">{t('seals.reason')}</label>
          <input id="seal-reason" value={reason} maxLength={200} required onChange={(e) => setReason(e.target.value)} />
        </div>
      )}
    </ConfirmDialog>
  );
}

function SealDetailsDialog({ seal, onClose }: { seal: Seal; onClose(): void }) {
  const { t, lang } = useI18n();
  return (
    <Dialog title={t('seals.detailsTitle', { name: seal.name })} wide onClose={onClose}
      footer={<a className="button primary" href={sealOps.esealUrl(seal.id)} download={`${seal.id}.esl`}>
        <Icon name="download" /> {t('seals.downloadEseal')}</a>}>
      <div className="seal-details" data-testid="seal-details">
        <div className="checkerboard seal-stage small-stage">
          <img src={sealOps.pictureUrl(seal.id)} alt={t('seals.pictureOf', { name: seal.name })} />
        </div>
        <dl className="kv">
          <dt>{t('seals.id')}</dt><dd className="mono small">{seal.id}</dd>
          <dt>{t('seals.name')}</dt><dd>{seal.name}</dd>
          <dt>{t('seals.owner')}</dt><dd>{seal.owner || '—'}</dd>
          <dt>{t('seals.type')}</dt><dd>{t(`seals.type.${seal.type}` as MessageKey)}</dd>
          <dt>{t('seals.version')}</dt><dd>{seal.version === 2 ? t('seals.version2') : t('seals.version4')}</dd>
          <dt>{t('acct.status')}</dt><dd><SealStateBadge state={seal.state} />{seal.state_reason && <span className="muted small"> {seal.state_reason}</span>}</dd>
          <dt>{t('seals.size')}</dt><dd>{t('seals.sizeMm', { w: seal.width_mm, h: seal.height_mm })}</dd>
          <dt>{t('seals.validity')}</dt><dd>{formatTime(seal.valid_start, lang)} → {formatTime(seal.valid_end, lang)}</dd>
          <dt>{t('seals.docmdp')}</dt><dd>{t(`seals.docmdp.${seal.docmdp}` as MessageKey)}</dd>
          <dt>{t('seals.madeBy')}</dt><dd>{seal.created_by} · {formatTime(seal.created_at, lang)}</dd>
          <dt>{t('seals.updatedAt')}</dt><dd>{formatTime(seal.updated_at, lang)}</dd>
        </dl>
      </div>
      <h3>{t('seals.certificates')}</h3>
      <div className="scroll-table">
        <table className="data-table" aria-label={t('seals.certificates')}>
          <thead>
            <tr>
              <th scope="col">{t('keys.subject')}</th>
              <th scope="col">{t('keys.algorithm')}</th>
              <th scope="col">{t('seals.keyHeld')}</th>
              <th scope="col">{t('keys.validity')}</th>
            </tr>
          </thead>
          <tbody>
            {seal.certificates.map((c) => (
              <tr key={c.sha256}>
                <td className="dn small">{c.subject}<div className="muted">{t('seals.issuer')}: {c.issuer}</div></td>
                <td><span className="algo">{c.algorithm.toUpperCase()}</span></td>
                <td className="small">{c.server_held ? <><StatusBadge tone="info">{t('seals.serverKey')}</StatusBadge> <span className="mono">{c.key_name}</span></> : t('seals.userKey')}</td>
                <td className="nowrap small">→ {formatTime(c.not_after, lang)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <SealHistoryTimeline seal={seal} />
    </Dialog>
  );
}
