import { useCallback, useEffect, useState } from 'react';
import {
  CRL_FAILURES, LIST_MODES, ops, PURPOSES, REVOCATION_MODES, type PkiCertificate, type PkiPolicy, type PkiProject,
} from '../api/operations';
import { CertificateInput } from '../components/CertificateInput';
import { Dialog } from '../components/Dialog';
import { ErrorNotice } from '../components/ErrorNotice';
import { Icon } from '../components/Icon';
import { StatusBadge } from '../components/StatusBadge';
import { useI18n } from '../i18n/I18nContext';
import type { MessageKey } from '../i18n/dict';
import { commonName } from './TrustAnchorsPanel';

/** Projects (anchors, purpose, revocation, white/black list) and the verification policies that combine them. */
export function TrustProjectsPanel() {
  const { t } = useI18n();
  const [projects, setProjects] = useState<PkiProject[] | null>(null);
  const [policies, setPolicies] = useState<PkiPolicy[] | null>(null);
  const [anchors, setAnchors] = useState<PkiCertificate[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [editProject, setEditProject] = useState<PkiProject | 'new' | null>(null);
  const [editPolicy, setEditPolicy] = useState<PkiPolicy | 'new' | null>(null);
  const [listOf, setListOf] = useState<string | null>(null);
  const load = useCallback(async () => {
    try {
      const [p, q, a] = await Promise.all([ops.projects(), ops.policies(), ops.anchors()]);
      setProjects(p);
      setPolicies(q);
      setAnchors(a);
      setError(null);
    } catch (e) {
      setError(e);
    }
  }, []);
  useEffect(() => void load(), [load]);
  const anchorName = (fp: string) => commonName(anchors.find((a) => a.fingerprint === fp)?.subject ?? fp.slice(0, 12) + '…');

  return (
    <>
      <ErrorNotice error={error} />
      <div className="card table-card">
        <div className="table-toolbar">
          <h2 className="table-title">{t('trust.projects')}</h2>
          <button type="button" className="primary" onClick={() => setEditProject('new')}><Icon name="plus" /> {t('trust.newProject')}</button>
        </div>
        <div className="scroll-table">
          <table className="data-table" aria-label={t('trust.projects')}>
            <thead>
              <tr>
                <th scope="col">{t('trust.name')}</th>
                <th scope="col">{t('trust.anchors')}</th>
                <th scope="col">{t('trust.purpose')}</th>
                <th scope="col">{t('trust.revocation')}</th>
                <th scope="col">{t('trust.listMode')}</th>
                <th scope="col">{t('common.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {projects?.length === 0 && <tr><td colSpan={6} className="empty">{t('trust.noProjects')}</td></tr>}
              {projects?.map((p) => (
                <tr key={p.name} data-project={p.name}>
                  <td><strong className="mono">{p.name}</strong><div className="muted small">{p.description}</div></td>
                  <td className="small">{p.anchors.map(anchorName).join('、') || '—'}</td>
                  <td>{t(`trust.purpose.${p.purpose}` as MessageKey)}</td>
                  <td>{t(`trust.revocation.${p.revocation}` as MessageKey)}</td>
                  <td>
                    {p.list_mode === 'none' ? <span className="muted">{t('trust.list.none')}</span>
                      : <StatusBadge tone={p.list_mode === 'whitelist' ? 'info' : 'warn'}>
                        {t(`trust.list.${p.list_mode}` as MessageKey)} · {p.list.length}</StatusBadge>}
                  </td>
                  <td>
                    <div className="row-actions">
                      <button type="button" className="small-button" onClick={() => setEditProject(p)}>{t('trust.edit')}</button>
                      <button type="button" className="small-button" onClick={() => setListOf(p.name)}>{t('trust.manageList')}</button>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>

      <div className="card table-card">
        <div className="table-toolbar">
          <h2 className="table-title">{t('trust.policies')}</h2>
          <button type="button" onClick={() => setEditPolicy('new')} disabled={!projects?.length}><Icon name="plus" /> {t('trust.newPolicy')}</button>
        </div>
        <table className="data-table" aria-label={t('trust.policies')}>
          <thead>
            <tr>
              <th scope="col">{t('trust.name')}</th>
              <th scope="col">{t('trust.projects')}</th>
              <th scope="col">{t('trust.crlFailure')}</th>
              <th scope="col">{t('common.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {policies?.length === 0 && <tr><td colSpan={4} className="empty">{t('trust.noPolicies')}</td></tr>}
            {policies?.map((p) => (
              <tr key={p.name} data-policy={p.name}>
                <td><strong className="mono">{p.name}</strong><div className="muted small">{p.description}</div></td>
                <td className="mono small">{p.projects.join(', ')}</td>
                <td>{t(`trust.crlFailure.${p.crl_failure}` as MessageKey)}</td>
                <td><button type="button" className="small-button" onClick={() => setEditPolicy(p)}>{t('trust.edit')}</button></td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      {editProject && <ProjectDialog project={editProject === 'new' ? null : editProject} anchors={anchors}
        onClose={() => setEditProject(null)} onSaved={() => { setEditProject(null); void load(); }} />}
      {editPolicy && <PolicyDialog policy={editPolicy === 'new' ? null : editPolicy} projects={projects ?? []}
        onClose={() => setEditPolicy(null)} onSaved={() => { setEditPolicy(null); void load(); }} />}
      {listOf && projects && <ListDialog project={projects.find((p) => p.name === listOf)!}
        onClose={() => setListOf(null)} onChanged={() => void load()} />}
    </>
  );
}

function ProjectDialog({ project, anchors, onClose, onSaved }: {
  project: PkiProject | null;
  anchors: PkiCertificate[];
  onClose(): void;
  onSaved(): void;
}) {
  const { t } = useI18n();
  const [p, setP] = useState<PkiProject>(project ?? {
    name: '', description: '', anchors: [], purpose: 'document_signing', revocation: 'crl_best_effort',
    crl_grace_ms: 0, list_mode: 'none', list: [], max_path_length: 8,
  });
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const set = (patch: Partial<PkiProject>) => setP({ ...p, ...patch });
  const save = async () => {
    setBusy(true);
    setError(null);
    try {
      const { list: _list, ...body } = p;
      void _list;
      await (project ? ops.updateProject(body) : ops.createProject(body));
      onSaved();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog title={project ? t('trust.editProject', { name: project.name }) : t('trust.newProject')} wide onClose={onClose}
      footer={<>
        <button type="button" onClick={onClose}>{t('common.cancel')}</button>
        <button type="button" className="primary" disabled={busy || !p.name || p.anchors.length === 0} onClick={() => void save()}>{t('common.save')}</button>
      </>}>
      <div className="form-grid">
        <div className="field">
          <label htmlFor="proj-name">{t('trust.name')}</label>
          <input id="proj-name" value={p.name} disabled={!!project} maxLength={64} pattern="[A-Za-z0-9_.\-]+"
            onChange={(e) => set({ name: e.target.value })} />
        </div>
        <div className="field">
          <label htmlFor="proj-desc">{t('trust.description')}</label>
          <input id="proj-desc" value={p.description} onChange={(e) => set({ description: e.target.value })} />
        </div>
        <div className="field">
          <label htmlFor="proj-purpose">{t('trust.purpose')}</label>
          <select id="proj-purpose" value={p.purpose} onChange={(e) => set({ purpose: e.target.value as PkiProject['purpose'] })}>
            {PURPOSES.map((x) => <option key={x} value={x}>{t(`trust.purpose.${x}` as MessageKey)}</option>)}
          </select>
        </div>
        <div className="field">
          <label htmlFor="proj-rev">{t('trust.revocation')}</label>
          <select id="proj-rev" value={p.revocation} onChange={(e) => set({ revocation: e.target.value as PkiProject['revocation'] })}>
            {REVOCATION_MODES.map((x) => <option key={x} value={x}>{t(`trust.revocation.${x}` as MessageKey)}</option>)}
          </select>
        </div>
        <div className="field">
          <label htmlFor="proj-list">{t('trust.listMode')}</label>
          <select id="proj-list" value={p.list_mode} onChange={(e) => set({ list_mode: e.target.value as PkiProject['list_mode'] })}>
            {LIST_MODES.map((x) => <option key={x} value={x}>{t(`trust.list.${x}` as MessageKey)}</option>)}
          </select>
        </div>
        <div className="field">
          <label htmlFor="proj-grace">{t('trust.grace')}</label>
          <input id="proj-grace" type="number" min={0} value={Math.round(p.crl_grace_ms / 60000)}
            onChange={(e) => set({ crl_grace_ms: Math.max(0, Number(e.target.value)) * 60000 })} />
        </div>
        <div className="field">
          <label htmlFor="proj-path">{t('trust.maxPath')}</label>
          <input id="proj-path" type="number" min={2} max={16} value={p.max_path_length}
            onChange={(e) => set({ max_path_length: Number(e.target.value) })} />
        </div>
      </div>
      <fieldset className="key-fieldset">
        <legend>{t('trust.anchors')}</legend>
        {anchors.length === 0 && <p className="muted small">{t('trust.noAnchors')}</p>}
        {anchors.map((a) => (
          <label key={a.fingerprint} className="check-row">
            <input type="checkbox" checked={p.anchors.includes(a.fingerprint)}
              onChange={(e) => set({ anchors: e.target.checked ? [...p.anchors, a.fingerprint] : p.anchors.filter((f) => f !== a.fingerprint) })} />
            {' '}{commonName(a.subject)} <span className="muted small mono">{a.fingerprint.slice(0, 12)}…</span>
          </label>
        ))}
      </fieldset>
      <ErrorNotice error={error} />
    </Dialog>
  );
}

function PolicyDialog({ policy, projects, onClose, onSaved }: {
  policy: PkiPolicy | null;
  projects: PkiProject[];
  onClose(): void;
  onSaved(): void;
}) {
  const { t } = useI18n();
  const [p, setP] = useState<PkiPolicy>(policy ?? { name: '', description: '', projects: [], crl_failure: 'project' });
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const save = async () => {
    setBusy(true);
    setError(null);
    try {
      await (policy ? ops.updatePolicy(p) : ops.createPolicy(p));
      onSaved();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog title={policy ? t('trust.editPolicy', { name: policy.name }) : t('trust.newPolicy')} onClose={onClose}
      footer={<>
        <button type="button" onClick={onClose}>{t('common.cancel')}</button>
        <button type="button" className="primary" disabled={busy || !p.name || p.projects.length === 0} onClick={() => void save()}>{t('common.save')}</button>
      </>}>
      <div className="field">
        <label htmlFor="pol-name">{t('trust.name')}</label>
        <input id="pol-name" value={p.name} disabled={!!policy} onChange={(e) => setP({ ...p, name: e.target.value })} />
      </div>
      <div className="field">
        <label htmlFor="pol-desc">{t('trust.description')}</label>
        <input id="pol-desc" value={p.description} onChange={(e) => setP({ ...p, description: e.target.value })} />
      </div>
      <div className="field">
        <label htmlFor="pol-crl">{t('trust.crlFailure')}</label>
        <select id="pol-crl" value={p.crl_failure} onChange={(e) => setP({ ...p, crl_failure: e.target.value as PkiPolicy['crl_failure'] })}>
          {CRL_FAILURES.map((x) => <option key={x} value={x}>{t(`trust.crlFailure.${x}` as MessageKey)}</option>)}
        </select>
      </div>
      <fieldset className="key-fieldset">
        <legend>{t('trust.projects')}</legend>
        {projects.map((x) => (
          <label key={x.name} className="check-row">
            <input type="checkbox" checked={p.projects.includes(x.name)}
              onChange={(e) => setP({ ...p, projects: e.target.checked ? [...p.projects, x.name] : p.projects.filter((n) => n !== x.name) })} />
            {' '}<span className="mono">{x.name}</span> <span className="muted small">{x.description}</span>
          </label>
        ))}
      </fieldset>
      <ErrorNotice error={error} />
    </Dialog>
  );
}

function ListDialog({ project, onClose, onChanged }: { project: PkiProject; onClose(): void; onChanged(): void }) {
  const { t } = useI18n();
  const [fingerprint, setFingerprint] = useState('');
  const [cert, setCert] = useState('');
  const [added, setAdded] = useState(0);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const run = async (f: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await f();
      onChanged();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const add = () => run(async () => {
    const fp = fingerprint.replace(/[\s:]/g, '').toLowerCase();
    await ops.addToList(project.name, fp ? { fingerprint: fp } : { certificate: cert });
    setFingerprint('');
    setCert('');
    setAdded((n) => n + 1);
  });
  return (
    <Dialog title={t('trust.listTitle', { name: project.name })} wide onClose={onClose}
      footer={<button type="button" onClick={onClose}>{t('common.close')}</button>}>
      <p className="muted small">
        {t(`trust.list.${project.list_mode}` as MessageKey)} — {project.list_mode === 'none' ? t('trust.listInactive') : t(`trust.listHint.${project.list_mode}` as MessageKey)}
      </p>
      <table className="data-table" aria-label={t('trust.listEntries')}>
        <thead><tr><th scope="col">{t('keys.fingerprint')}</th><th scope="col">{t('common.actions')}</th></tr></thead>
        <tbody>
          {project.list.length === 0 && <tr><td colSpan={2} className="empty">{t('trust.listEmpty')}</td></tr>}
          {project.list.map((fp) => (
            <tr key={fp} data-entry={fp}>
              <td className="mono small">{fp}</td>
              <td><button type="button" className="small-button danger-outline" disabled={busy}
                onClick={() => void run(() => ops.removeFromList(project.name, fp))}>{t('trust.remove')}</button></td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3 className="sub-title">{t('trust.addEntry')}</h3>
      <div className="field">
        <label htmlFor="list-fp">{t('trust.byFingerprint')}</label>
        <input id="list-fp" className="mono" placeholder="SHA-256 hex" value={fingerprint} onChange={(e) => setFingerprint(e.target.value)} />
      </div>
      <CertificateInput key={added} id="list-cert" label={t('trust.byCertificate')} accept=".pem,.crt,.cer,.der" rows={3} onChange={setCert} />
      <ErrorNotice error={error} />
      <div className="form-actions">
        <button type="button" className="primary" disabled={busy || (!fingerprint.trim() && !cert)} onClick={() => void add()}>
          <Icon name="plus" /> {t('trust.addToList')}
        </button>
      </div>
    </Dialog>
  );
}
