import { useCallback, useEffect, useState } from 'react';
import { ops, type PkiCertificate, type PkiPolicy, type PkiProject } from '../api/operations';
import { CertificateInput } from '../components/CertificateInput';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { Dialog } from '../components/Dialog';
import { ErrorNotice } from '../components/ErrorNotice';
import { Icon } from '../components/Icon';
import { StatusBadge } from '../components/StatusBadge';
import { useI18n } from '../i18n/I18nContext';
import type { MessageKey } from '../i18n/dict';
import { commonName } from './TrustAnchorsPanel';
import { TrustPolicyDialog } from './TrustPolicyDialog';
import { TrustProjectDialog } from './TrustProjectDialog';

/**
 * Projects (anchors, purpose, revocation, white/black list) and the verification policies that combine them:
 * create, edit, delete (the server refuses to delete a project a policy uses, and says which).
 */
export function TrustProjectsPanel() {
  const { t } = useI18n();
  const [projects, setProjects] = useState<PkiProject[] | null>(null);
  const [policies, setPolicies] = useState<PkiPolicy[] | null>(null);
  const [anchors, setAnchors] = useState<PkiCertificate[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [editProject, setEditProject] = useState<PkiProject | 'new' | null>(null);
  const [editPolicy, setEditPolicy] = useState<PkiPolicy | 'new' | null>(null);
  const [listOf, setListOf] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<{ kind: 'project' | 'policy'; name: string } | null>(null);
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
                      <button type="button" className="small-button danger-outline"
                        onClick={() => setDeleting({ kind: 'project', name: p.name })}>{t('trust.delete')}</button>
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
                <td>
                  <div className="row-actions">
                    <button type="button" className="small-button" onClick={() => setEditPolicy(p)}>{t('trust.edit')}</button>
                    <button type="button" className="small-button danger-outline"
                      onClick={() => setDeleting({ kind: 'policy', name: p.name })}>{t('trust.delete')}</button>
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      {editProject && <TrustProjectDialog project={editProject === 'new' ? null : editProject} anchors={anchors}
        onClose={() => setEditProject(null)} onSaved={() => { setEditProject(null); void load(); }} />}
      {editPolicy && <TrustPolicyDialog policy={editPolicy === 'new' ? null : editPolicy} projects={projects ?? []}
        onClose={() => setEditPolicy(null)} onSaved={() => { setEditPolicy(null); void load(); }} />}
      {listOf && projects && <ListDialog project={projects.find((p) => p.name === listOf)!}
        onClose={() => setListOf(null)} onChanged={() => void load()} />}
      {deleting && <DeleteDialog target={deleting} policies={policies ?? []} onClose={() => setDeleting(null)} onDeleted={load} />}
    </>
  );
}

/** Asks before deleting a project or policy; the server's refusal (e.g. a policy uses the project) shows in place. */
function DeleteDialog({ target, policies, onClose, onDeleted }: {
  target: { kind: 'project' | 'policy'; name: string };
  policies: PkiPolicy[];
  onClose(): void;
  onDeleted(): Promise<void>;
}) {
  const { t } = useI18n();
  const project = target.kind === 'project';
  const users = project ? policies.filter((p) => p.projects.includes(target.name)).map((p) => p.name) : [];
  return (
    <ConfirmDialog title={t(project ? 'trust.deleteProject' : 'trust.deletePolicy')} danger confirmLabel={t('trust.delete')}
      onClose={onClose}
      onConfirm={async () => {
        await (project ? ops.removeProject(target.name) : ops.removePolicy(target.name));
        await onDeleted();
      }}>
      <p>{t(project ? 'trust.deleteProjectConfirm' : 'trust.deletePolicyConfirm', { name: target.name })}</p>
      {users.length > 0 && <p className="notice notice-warn" data-testid="project-in-use">{t('trust.deleteProjectUsedBy', { policies: users.join('、') })}</p>}
    </ConfirmDialog>
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
