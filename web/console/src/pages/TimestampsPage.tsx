import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { api } from '../api/client';
import type { TsaToken, TsaTokenDetails, TsaTokenFilter, TsaTokenPage, TsaUnit } from '../api/types';
import { Dialog } from '../components/Dialog';
import { ErrorNotice } from '../components/ErrorNotice';
import { Icon } from '../components/Icon';
import { PageHeader } from '../components/PageHeader';
import { Pagination } from '../components/Pagination';
import { StatusBadge } from '../components/StatusBadge';
import { dateTimeTextToIso as toIso, downloadText, formatTime, parseDateTimeText } from '../format';
import { DateTimeField } from '../components/DateTimeField';
import { useI18n } from '../i18n/I18nContext';
import { useSession } from '../session/SessionContext';
import type { MessageKey } from '../i18n/dict';
import { TsaCaCertificatesCard, TsaImportDialog, downloadTsaCsr } from '../components/TsaUnitAdmin';
import { ProviderTsaGenerateDialog } from '../components/ProviderTsaGenerateDialog';

const PAGE_SIZE = 20;
const DAY = 86400_000;


const hexOnly = (s: string) => s.replace(/[\s:]/g, '').toLowerCase();

/** TSA units with their certificates, and the issued-token log (operators; read by audit roles). */
export function TimestampsPage() {
  const { t, lang } = useI18n();
  const [units, setUnits] = useState<TsaUnit[] | null>(null);
  const [enabled, setEnabled] = useState(true);
  const [filter, setFilter] = useState<TsaTokenFilter>({});
  const [page, setPage] = useState(1);
  const [data, setData] = useState<TsaTokenPage | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [details, setDetails] = useState<TsaTokenDetails | null>(null);
  const { session } = useSession();
  const operator = session?.permissions.includes('operate_business') ?? false;
  const [generating, setGenerating] = useState(false);
  const [importFor, setImportFor] = useState<string | null>(null);
  const [adminNotice, setAdminNotice] = useState<{ key: MessageKey; name: string } | null>(null);
  const csr = async (unit: string) => {
    try {
      await downloadTsaCsr(unit);
    } catch (e) {
      setError(e);
    }
  };

  const loadUnits = useCallback(
    () => api.tsaUnits().then((r) => { setUnits(r.units); setEnabled(r.enabled); }, setError),
    [],
  );
  const loadTokens = useCallback(async () => {
    try {
      setData(await api.tsaTokens({ ...filter, page, page_size: PAGE_SIZE }));
      setError(null);
    } catch (e) {
      setError(e);
    }
  }, [filter, page]);
  useEffect(() => void loadUnits(), [loadUnits]);
  useEffect(() => void loadTokens(), [loadTokens]);

  const open = async (tok: TsaToken) => {
    try {
      setDetails(await api.tsaToken(tok.serial));
    } catch (e) {
      setError(e);
    }
  };

  const validity = (u: TsaUnit) => {
    const left = u.not_after_ms - Date.now();
    if (left < 0) return <StatusBadge tone="bad">{t('keys.expired')}</StatusBadge>;
    if (left < 30 * DAY) return <StatusBadge tone="warn">{t('keys.expiring')}</StatusBadge>;
    return <StatusBadge tone="ok">{t('keys.valid')}</StatusBadge>;
  };
  const pages = data ? Math.ceil(data.total / PAGE_SIZE) : 1;

  return (
    <section>
      <PageHeader title={t('tsa.heading')} intro={t('tsa.intro')}
        actions={<>
          {operator && <button type="button" className="primary" onClick={() => setGenerating(true)}>
            <Icon name="key" /> {t('tsaAdmin.generateTitle')}</button>}
          <button type="button" onClick={() => { void loadUnits(); void loadTokens(); }}>{t('common.refresh')}</button>
        </>} />
      <ErrorNotice error={error} />
      {adminNotice && <div className="notice notice-ok" role="status" data-testid="tsa-admin-notice">{t(adminNotice.key, { name: adminNotice.name })}</div>}
      {!enabled && <div className="notice notice-warn" role="status">{t('tsa.disabled')}</div>}

      <div className="card table-card">
        <div className="table-toolbar"><h2 className="table-title">{t('tsa.units')}</h2></div>
        <div className="scroll-table">
          <table className="data-table" aria-label={t('tsa.units')}>
            <thead>
              <tr>
                <th scope="col">{t('tsa.unit')}</th>
                <th scope="col">{t('keys.algorithm')}</th>
                <th scope="col">{t('keys.subject')}</th>
                <th scope="col">{t('keys.serial')}</th>
                <th scope="col">{t('tsa.notAfter')}</th>
                <th scope="col">{operator ? t('common.actions') : t('tsa.chain')}</th>
              </tr>
            </thead>
            <tbody>
              {units?.length === 0 && <tr><td colSpan={6} className="empty">{t('tsa.noUnits')}</td></tr>}
              {units?.map((u) => (
                <tr key={u.name} data-unit={u.name}>
                  <td>
                    <strong className="mono">{u.name}</strong>
                    {u.default && <> <StatusBadge tone="info">{t('tsa.default')}</StatusBadge></>}
                    <div className="muted small mono">POST /tsa/{u.name}</div>
                  </td>
                  <td><span className="algo">{u.algorithm.toUpperCase()}</span></td>
                  <td className="dn">{u.subject}</td>
                  <td className="mono small clip" title={u.serial}>{u.serial.length > 16 ? u.serial.slice(0, 16) + '…' : u.serial}</td>
                  <td className="nowrap small">{formatTime(new Date(u.not_after_ms).toISOString(), lang)}<div>{validity(u)}</div></td>
                  <td>
                    <div className="row-actions">
                      <button type="button" className="small-button" disabled={!u.chain_pem}
                        onClick={() => downloadText(`tsa-${u.name}-chain.pem`, u.chain_pem, 'application/x-pem-file')}>
                        <Icon name="download" size={14} /> {t('tsa.chainPem')}
                      </button>
                      {operator && <>
                        <button type="button" className="small-button" onClick={() => void csr(u.name)}>
                          <Icon name="download" size={14} /> {t('tsaAdmin.csr')}
                        </button>
                        <button type="button" className="small-button" onClick={() => setImportFor(u.name)}>{t('tsaAdmin.importCert')}</button>
                      </>}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>

      <TsaCaCertificatesCard operator={operator} />
      {generating && <ProviderTsaGenerateDialog existing={(units ?? []).map((u) => u.name)} onClose={() => setGenerating(false)}
        onDone={(name) => { setAdminNotice({ key: 'tsaAdmin.generated', name }); void loadUnits(); }} />}
      {importFor && <TsaImportDialog unit={importFor} onClose={() => setImportFor(null)}
        onDone={() => { setAdminNotice({ key: 'tsaAdmin.installed', name: importFor }); setImportFor(null); void loadUnits(); }} />}

      <h2 className="section-title">{t('tsa.log')}</h2>
      <TokenFilterBar units={units ?? []} onSearch={(f) => { setPage(1); setFilter(f); }} />
      <div className="card table-card">
        <div className="table-toolbar">
          <strong data-testid="token-total">{t('audit.total', { n: data?.total ?? 0 })}</strong>
          <Pagination page={page} pages={pages} onPage={setPage} />
        </div>
        <div className="scroll-table">
          <table className="data-table token-table" aria-label={t('tsa.log')}>
            <thead>
              <tr>
                <th scope="col">{t('tsa.serial')}</th>
                <th scope="col">{t('tsa.genTime')}</th>
                <th scope="col">{t('tsa.unit')}</th>
                <th scope="col">{t('tsa.imprint')}</th>
                <th scope="col">{t('tsa.requester')}</th>
                <th scope="col">{t('common.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {data?.items.length === 0 && <tr><td colSpan={6} className="empty">{t('tsa.noTokens')}</td></tr>}
              {data?.items.map((tok) => (
                <tr key={tok.serial} data-serial={tok.serial}>
                  <td className="mono small">{tok.serial}</td>
                  <td className="nowrap small">{formatTime(tok.gen_time, lang)}</td>
                  <td className="mono small">{tok.unit}</td>
                  <td className="small"><span className="algo">{tok.hash_algorithm}</span><div className="mono imprint" title={tok.imprint}>{tok.imprint}</div></td>
                  <td className="mono small">{tok.requester || '—'}</td>
                  <td>
                    <div className="row-actions">
                      <button type="button" className="small-button" onClick={() => void open(tok)}>
                        <Icon name="eye" size={14} /> {t('tsa.details')}
                      </button>
                      <a className="button small-button" href={api.tsaTokenUrl(tok.serial)} download={`${tok.serial}.tsr`}>
                        <Icon name="download" size={14} /> {t('tsa.download')}
                      </a>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
      {details && <TokenDialog d={details} onClose={() => setDetails(null)} />}
    </section>
  );
}

function TokenFilterBar({ units, onSearch }: { units: TsaUnit[]; onSearch(f: TsaTokenFilter): void }) {
  const { t } = useI18n();
  const [serial, setSerial] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [requester, setRequester] = useState('');
  const [imprint, setImprint] = useState('');
  const [unit, setUnit] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if ((from && !parseDateTimeText(from)) || (to && !parseDateTimeText(to))) return;  // the field says what is wrong
    onSearch({ serial: hexOnly(serial), from: toIso(from), to: toIso(to), requester: requester.trim(), imprint: hexOnly(imprint), unit });
  };
  const reset = () => {
    setSerial(''); setFrom(''); setTo(''); setRequester(''); setImprint(''); setUnit('');
    onSearch({});
  };
  return (
    <form className="card filter-bar" onSubmit={submit} aria-label={t('tsa.filters')}>
      <div className="field">
        <label htmlFor="t-serial">{t('tsa.serial')}</label>
        <input id="t-serial" placeholder="hex" value={serial} onChange={(e) => setSerial(e.target.value)} />
      </div>
      <DateTimeField id="t-from" label={t('audit.from')} value={from} onChange={setFrom} />
      <DateTimeField id="t-to" label={t('audit.to')} value={to} onChange={setTo} />
      <div className="field">
        <label htmlFor="t-requester">{t('tsa.requester')}</label>
        <input id="t-requester" placeholder="127.0.0.1" value={requester} onChange={(e) => setRequester(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="t-imprint">{t('tsa.imprint')}</label>
        <input id="t-imprint" placeholder="hex" value={imprint} onChange={(e) => setImprint(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="t-unit">{t('tsa.unit')}</label>
        <select id="t-unit" value={unit} onChange={(e) => setUnit(e.target.value)}>
          <option value="">{t('audit.any')}</option>
          {units.map((u) => <option key={u.name} value={u.name}>{u.name}</option>)}
        </select>
      </div>
      <div className="filter-actions">
        <button type="submit" className="primary">{t('audit.search')}</button>
        <button type="button" onClick={reset}>{t('audit.reset')}</button>
      </div>
    </form>
  );
}

function TokenDialog({ d, onClose }: { d: TsaTokenDetails; onClose(): void }) {
  const { t, lang } = useI18n();
  const tok = d.token;
  const acc = tok.accuracy;
  return (
    <Dialog title={t('tsa.detailsTitle', { serial: d.serial })} onClose={onClose} wide
      footer={
        <>
          <a className="button" href={api.tsaTokenUrl(d.serial, 'token')} download={`${d.serial}.tst`}>
            <Icon name="download" /> {t('tsa.downloadToken')}
          </a>
          <a className="button primary" href={api.tsaTokenUrl(d.serial)} download={`${d.serial}.tsr`}>
            <Icon name="download" /> {t('tsa.downloadReply')}
          </a>
        </>
      }>
      <div data-testid="token-details">
        <p>
          {tok.signature_valid
            ? <StatusBadge tone="ok">✔ {t('tsa.sigValid')}</StatusBadge>
            : <StatusBadge tone="bad">✖ {t('tsa.sigInvalid')}</StatusBadge>}
          {tok.problem && <span className="small error-text"> {tok.problem}</span>}
        </p>
        <dl className="kv">
          <dt>{t('tsa.serial')}</dt><dd className="mono">{tok.serial}</dd>
          <dt>{t('tsa.genTime')}</dt><dd>{formatTime(tok.gen_time, lang)} <span className="muted small mono">{tok.gen_time}</span></dd>
          <dt>{t('tsa.unit')}</dt><dd className="mono">{d.unit}</dd>
          <dt>{t('tsa.policy')}</dt><dd className="mono">{tok.policy}</dd>
          <dt>{t('tsa.hash')}</dt><dd>{tok.hash_algorithm}</dd>
          <dt>{t('tsa.imprint')}</dt><dd className="mono small">{tok.imprint}</dd>
          <dt>{t('tsa.nonce')}</dt><dd className="mono small">{tok.nonce || '—'}</dd>
          <dt>{t('tsa.accuracy')}</dt>
          <dd>{acc ? `${acc.seconds ? acc.seconds + ' s ' : ''}${acc.millis ? acc.millis + ' ms ' : ''}${acc.micros ? acc.micros + ' µs' : ''}`.trim() || '0' : '—'}</dd>
          <dt>{t('tsa.ordering')}</dt><dd>{tok.ordering ? t('common.yes') : t('common.no')}</dd>
          <dt>{t('tsa.requester')}</dt><dd className="mono">{d.requester || '—'}</dd>
          <dt>{t('tsa.tsaName')}</dt><dd className="small">{tok.tsa || '—'}</dd>
          {tok.signer && (
            <>
              <dt>{t('tsa.signer')}</dt><dd className="small">{tok.signer.subject}</dd>
              <dt>{t('keys.issuer')}</dt><dd className="small">{tok.signer.issuer}</dd>
              <dt>{t('keys.algorithm')}</dt><dd><span className="algo">{tok.signer.algorithm.toUpperCase()}</span></dd>
              <dt>{t('keys.fingerprint')}</dt><dd className="mono small">{tok.signer.sha256}</dd>
            </>
          )}
        </dl>
      </div>
    </Dialog>
  );
}
