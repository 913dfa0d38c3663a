import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { api } from '../api/client';
import type { Permission, SvsApp, SvsKey, SvsLogEntry, SvsLogFilter } from '../api/types';
import { Dialog } from '../components/Dialog';
import { ErrorNotice } from '../components/ErrorNotice';
import { Icon } from '../components/Icon';
import { PageHeader } from '../components/PageHeader';
import { StatusBadge } from '../components/StatusBadge';
import { dateTimeTextToIso, formatTime, parseDateTimeText } from '../format';
import { DateTimeField } from '../components/DateTimeField';
import { useI18n } from '../i18n/I18nContext';
import { useSession } from '../session/SessionContext';
import { SvsAppDialog } from './SvsAppDialog';

/** The signing service: business applications and server keys (operators), and the signing log (operators
 *  and audit roles). */
export function SigningPage() {
  const { t, lang } = useI18n();
  const { session } = useSession();
  const perms: Permission[] = session?.permissions ?? [];
  const operator = perms.includes('operate_business');
  const [apps, setApps] = useState<SvsApp[] | null>(null);
  const [keys, setKeys] = useState<SvsKey[] | null>(null);
  const [log, setLog] = useState<SvsLogEntry[] | null>(null);
  const [filter, setFilter] = useState<SvsLogFilter>({});
  const [error, setError] = useState<unknown>(null);
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<SvsApp | null>(null);
  const [notice, setNotice] = useState('');
  const [secret, setSecret] = useState<SvsApp | null>(null);

  const loadApps = useCallback(async () => {
    if (!operator) return;
    try {
      const [a, k] = await Promise.all([api.svsApps(), api.svsKeys()]);
      setApps(a.apps);
      setKeys(k.keys);
    } catch (e) {
      setError(e);
    }
  }, [operator]);
  const loadLog = useCallback(async () => {
    try {
      setLog((await api.svsLog({ ...filter, limit: 50 })).entries);
    } catch (e) {
      setError(e);
    }
  }, [filter]);
  useEffect(() => void loadApps(), [loadApps]);
  useEffect(() => void loadLog(), [loadLog]);

  const act = async (f: () => Promise<SvsApp>, showSecret = false) => {
    try {
      const a = await f();
      if (showSecret) setSecret(a);
      await loadApps();
    } catch (e) {
      setError(e);
    }
  };

  return (
    <section>
      <PageHeader title={t('svs.heading')} intro={t('svs.intro')}
        actions={<>
          {operator && <button type="button" className="primary" onClick={() => setCreating(true)}>
            <Icon name="plus" /> {t('svs.add')}</button>}
          <button type="button" onClick={() => { void loadApps(); void loadLog(); }}>{t('common.refresh')}</button>
        </>} />
      <ErrorNotice error={error} />
      {notice && <div className="notice notice-ok" role="status" data-testid="svs-notice">{notice}</div>}

      {operator && (
        <div className="card table-card">
          <div className="table-toolbar"><h2 className="table-title">{t('svs.apps')}</h2></div>
          <div className="scroll-table">
            <table className="data-table" aria-label={t('svs.apps')}>
              <thead>
                <tr>
                  <th scope="col">{t('svs.appName')}</th>
                  <th scope="col">{t('svs.allow')}</th>
                  <th scope="col">{t('svs.keys')}</th>
                  <th scope="col">{t('gaps.svs.policy')}</th>
                  <th scope="col">{t('svs.state')}</th>
                  <th scope="col">{t('common.actions')}</th>
                </tr>
              </thead>
              <tbody>
                {apps?.length === 0 && <tr><td colSpan={6} className="empty">{t('svs.noApps')}</td></tr>}
                {apps?.map((a) => (
                  <tr key={a.id} data-app={a.name}>
                    <td><strong>{a.name}</strong><div className="muted small mono">{a.id}</div></td>
                    <td className="mono small">{a.allow.join(', ')}</td>
                    <td className="mono small">{a.keys.length ? a.keys.join(', ') : '—'}</td>
                    <td className="small" data-testid="app-policy">{a.policy || t('gaps.svs.policyDefault')}</td>
                    <td>{a.enabled ? <StatusBadge tone="ok">{t('svs.enabled')}</StatusBadge>
                      : <StatusBadge tone="neutral">{t('svs.disabled')}</StatusBadge>}</td>
                    <td className="nowrap">
                      <button type="button" className="small-button" onClick={() => setEditing(a)}
                        aria-label={t('gaps.svs.editTitle', { name: a.name })}>{t('gaps.svs.edit')}</button>{' '}
                      <button type="button" className="small-button"
                        onClick={() => void act(() => api.svsSetEnabled(a.id, !a.enabled))}>
                        {a.enabled ? t('svs.disable') : t('svs.enable')}
                      </button>{' '}
                      <button type="button" className="small-button"
                        onClick={() => void act(() => api.svsRotateSecret(a.id), true)}>{t('svs.rotate')}</button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      )}

      {operator && (
        <div className="card table-card">
          <div className="table-toolbar"><h2 className="table-title">{t('svs.serverKeys')}</h2></div>
          <table className="data-table" aria-label={t('svs.serverKeys')}>
            <thead>
              <tr>
                <th scope="col">{t('svs.keyIndex')}</th>
                <th scope="col">{t('keys.name')}</th>
                <th scope="col">{t('keys.algorithm')}</th>
                <th scope="col">{t('keys.subject')}</th>
                <th scope="col">{t('tsa.notAfter')}</th>
                <th scope="col">{t('svs.accessCode')}</th>
              </tr>
            </thead>
            <tbody>
              {keys?.map((k) => (
                <tr key={k.index} data-key-index={k.index}>
                  <td className="mono"><strong>{k.index}</strong></td>
                  <td className="mono">{k.name}</td>
                  <td><span className="algo">{k.algorithm.toUpperCase()}</span></td>
                  <td className="dn">{k.certificate.subject}</td>
                  <td className="nowrap small">{formatTime(k.certificate.not_after, lang)}</td>
                  <td>{k.access_code ? t('common.yes') : t('common.none')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <h2 className="section-title">{t('svs.log')}</h2>
      <LogFilter apps={apps ?? []} onSearch={setFilter} />
      <div className="card table-card">
        <div className="scroll-table">
          <table className="data-table" aria-label={t('svs.log')}>
            <thead>
              <tr>
                <th scope="col">{t('svs.time')}</th>
                <th scope="col">{t('svs.appId')}</th>
                <th scope="col">{t('svs.operation')}</th>
                <th scope="col">{t('svs.key')}</th>
                <th scope="col">{t('svs.result')}</th>
                <th scope="col">{t('svs.source')}</th>
                <th scope="col">{t('svs.digest')}</th>
              </tr>
            </thead>
            <tbody>
              {log?.length === 0 && <tr><td colSpan={7} className="empty">{t('svs.noLog')}</td></tr>}
              {log?.map((e) => (
                <tr key={e.id} data-log-id={e.id}>
                  <td className="nowrap small">{formatTime(e.time, lang)}</td>
                  <td className="mono small">{e.app}</td>
                  <td className="mono small">{e.operation}</td>
                  <td className="mono small clip" title={e.key}>{e.key.length > 16 ? e.key.slice(0, 16) + '…' : e.key}</td>
                  <td title={e.detail}>
                    {e.result === 'success' ? <StatusBadge tone="ok">{e.result}</StatusBadge>
                      : <StatusBadge tone="bad">{e.result}</StatusBadge>}
                  </td>
                  <td className="mono small">{e.source}</td>
                  <td className="mono small" title={e.data_sm3}>{e.data_sm3.slice(0, 16)}…</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>

      {creating && <SvsAppDialog keys={keys ?? []} onClose={() => setCreating(false)}
        onSaved={(a) => { setCreating(false); setSecret(a); void loadApps(); }} />}
      {editing && <SvsAppDialog app={editing} keys={keys ?? []} onClose={() => setEditing(null)}
        onSaved={(a) => { setEditing(null); setNotice(t('gaps.svs.saved', { name: a.name })); void loadApps(); }} />}
      {secret && (
        <Dialog title={t('svs.secretTitle')} onClose={() => setSecret(null)}
          footer={<button type="button" className="primary" onClick={() => setSecret(null)}>{t('common.close')}</button>}>
          <p className="notice notice-warn">{t('svs.secretNote')}</p>
          <dl className="kv">
            <dt>{t('svs.appId')}</dt>
            <dd><code data-testid="app-id">{secret.id}</code></dd>
            <dt>{t('svs.secret')}</dt>
            <dd><code className="secret" data-testid="app-secret">{secret.secret}</code></dd>
          </dl>
        </Dialog>
      )}
    </section>
  );
}

/** Operation names as the signing log records them (a hint list; any text is accepted). */
const SVS_OPERATIONS = ['sign_data', 'verify_data', 'sign_message', 'verify_message', 'sign_file', 'sign_file_cms',
  'verify_file', 'verify_file_cms', 'hash', 'hash_init', 'hash_update', 'random', 'export_certificate', 'parse_certificate',
  'validate_certificate', 'envelope_encrypt', 'envelope_decrypt'];

function LogFilter({ apps, onSearch }: { apps: SvsApp[]; onSearch(f: SvsLogFilter): void }) {
  const { t } = useI18n();
  const [app, setApp] = useState('');
  const [result, setResult] = useState('');
  const [operation, setOperation] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    // The fields hold local time as "YYYY-MM-DD HH:mm"; the server takes ISO 8601 UTC.
    if ((from && !parseDateTimeText(from)) || (to && !parseDateTimeText(to))) return;  // the field says what is wrong
    const iso = dateTimeTextToIso;
    onSearch({ app: app || undefined, result: result || undefined, operation: operation || undefined, from: iso(from), to: iso(to) });
  };
  return (
    <form className="filter-bar card" onSubmit={submit} aria-label={t('svs.log')}>
      <div className="field">
        <label htmlFor="svs-app">{t('svs.appId')}</label>
        <input id="svs-app" list="svs-app-ids" value={app} onChange={(e) => setApp(e.target.value)} />
        <datalist id="svs-app-ids">{apps.map((a) => <option key={a.id} value={a.id}>{a.name}</option>)}</datalist>
      </div>
      <div className="field">
        <label htmlFor="svs-result">{t('svs.result')}</label>
        <select id="svs-result" value={result} onChange={(e) => setResult(e.target.value)}>
          <option value="">{t('svs.anyResult')}</option>
          <option value="success">success</option>
          <option value="failure">failure</option>
          <option value="invalid">invalid</option>
        </select>
      </div>
      <div className="field">
        <label htmlFor="svs-operation">{t('svs.operation')}</label>
        <input id="svs-operation" list="svs-operations" value={operation} onChange={(e) => setOperation(e.target.value)} />
        <datalist id="svs-operations">
          {SVS_OPERATIONS.map((o) => <option key={o} value={o} />)}
        </datalist>
      </div>
      <DateTimeField id="svs-from" label={t('gaps.svs.from')} value={from} onChange={setFrom} />
      <DateTimeField id="svs-to" label={t('gaps.svs.to')} value={to} onChange={setTo} />
      <div className="filter-actions">
        <button type="submit" className="primary">{t('svs.search')}</button>
      </div>
    </form>
  );
}
